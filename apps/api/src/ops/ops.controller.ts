import { Controller, Get, Header, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeys, Audit, type AuditEventView, type Database } from '@ratecard/ledger';
import type { FastifyReply } from 'fastify';
import { Roles, type AuthedRequest } from '../http/auth';
import { AuditQuery } from '../http/dto';
import { HealthSchema, WhoamiSchema } from '../http/schemas';
import { AuditPageSchema } from '../http/schemas-audit';
import { RulesService } from '../rulesets/rules.service';
import { DATABASE } from '../tokens';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Controller()
export class OpsController {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly rules: RulesService,
    private readonly metrics: MetricsService,
    private readonly audit: Audit,
    private readonly keys: ApiKeys,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness and database readiness', description: '200 when the database answers, 503 when it does not.' })
  @ApiOkResponse({ type: HealthSchema })
  @ApiResponse({ status: 503, type: HealthSchema, description: 'The database does not answer.' })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; database: string; rulesetVersion: string }> {
    const up = await this.db.ping();
    if (!up) void reply.status(503);
    return { status: up ? 'ok' : 'unavailable', database: up ? 'up' : 'down', rulesetVersion: this.rules.active().version };
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.text();
  }

  @Get('v1/whoami')
  @ApiBearerAuth()
  @Roles('service', 'admin', 'auditor')
  @ApiOperation({ summary: 'The API key making the request', description: 'Its id, name and role: a quick check that a key works. Also the floor of the stack in benchmarks.' })
  @ApiOkResponse({ type: WhoamiSchema })
  whoami(@Req() req: AuthedRequest): { id: string; name: string; role: string } {
    return req.apiKey!;
  }

  @Get('v1/audit')
  @ApiBearerAuth()
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'The audit trail',
    description: 'Who created accounts, changed plans, granted credits, refunded, created or revoked keys, published and activated rules, started and saved drafts; newest first. Filter by `event`, `actor` (a key id or `cli:<user>`) and time. `actorName` is the name of the key that acted (null for the command line).',
  })
  @ApiOkResponse({ type: AuditPageSchema })
  async events(@Query() q: AuditQuery): Promise<{ items: (AuditEventView & { actorName: string | null })[]; next: number | null }> {
    const page = await this.audit.events({
      limit: q.limit ?? 50,
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      ...(q.event ? { event: q.event } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.until ? { until: q.until } : {}),
    });
    const names = new Map((await this.keys.list()).map((k) => [k.id, k.name]));
    return { ...page, items: page.items.map((e) => ({ ...e, actorName: names.get(e.actor) ?? null })) };
  }
}
