import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Decision } from '@ratecard/engine';
import { ApiKeys, Audit, DecisionDenied, Ledger, RuleVersions, type DecisionLogView } from '@ratecard/ledger';
import { Roles, type AuthedRequest } from '../http/auth';
import { ActionRequestDto, DecisionLogQuery } from '../http/dto';
import { callerOf } from '../http/request';
import { DecisionSchema } from '../http/schemas';
import { ProblemSchema } from '../http/schemas-problem';
import { DecisionLogPageSchema } from '../http/schemas-audit';
import { MetricsService } from '../ops/metrics.service';
import { CLOCK, type Clock } from '../tokens';

@ApiTags('decisions')
@ApiBearerAuth()
@Controller('v1/decisions')
export class DecisionsController {
  constructor(
    private readonly ledger: Ledger,
    private readonly audit: Audit,
    private readonly versions: RuleVersions,
    private readonly metrics: MetricsService,
    private readonly keys: ApiKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('service')
  @HttpCode(200)
  @ApiOperation({
    summary: 'May this account do this, and what does it cost?',
    description:
      "Decides against the account's live plan, balance and quota usage. `allowed: false` with reasons is a normal answer (200). Nothing changes except the decision log. An unknown action or invalid parameters is a 422 with the decision inside.",
  })
  @ApiOkResponse({ type: DecisionSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'ACCOUNT_NOT_FOUND' })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'UNKNOWN_ACTION or INVALID_PARAMS' })
  async decide(@Body() body: ActionRequestDto, @Req() req: AuthedRequest): Promise<Decision> {
    const decision = await this.ledger.quote(body, this.clock.now(), callerOf(req));
    this.metrics.decision('quote', body.action, decision);
    if (decision.reasons.some((r) => r.code === 'UNKNOWN_ACTION' || r.code === 'INVALID_PARAMS')) throw new DecisionDenied(decision);
    return decision;
  }

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'The decision log',
    description:
      'Every quote, charge, hold and capture a service asked for, with the request, the result and the rule-set version, newest first; `apiKeyName` names the key that asked. Filter by account, action, version, kind, charge and time. `rulesetVersion` takes any version name (an id, a prefix of at least 6 characters, `active`, `previous`); an unknown one is a 404, an ambiguous one a 400.',
  })
  @ApiOkResponse({ type: DecisionLogPageSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  @ApiResponse({ status: 400, type: ProblemSchema, description: 'INVALID_REQUEST or VERSION_AMBIGUOUS' })
  async list(@Query() q: DecisionLogQuery): Promise<{ items: (DecisionLogView & { apiKeyName: string | null })[]; next: string | null }> {
    const rulesetVersion = q.rulesetVersion ? await this.versions.resolveName(q.rulesetVersion) : undefined;
    await this.ledger.flushLogs();
    const page = await this.audit.decisions({
      limit: q.limit ?? 50,
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      ...(q.accountId ? { accountId: q.accountId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(rulesetVersion ? { rulesetVersion } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.chargeId ? { chargeId: q.chargeId } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.until ? { until: q.until } : {}),
    });
    const names = new Map((await this.keys.list()).map((k) => [k.id, k.name]));
    return { ...page, items: page.items.map((d) => ({ ...d, apiKeyName: d.apiKeyId ? (names.get(d.apiKeyId) ?? null) : null })) };
  }
}
