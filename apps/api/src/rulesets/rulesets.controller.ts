import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { compileSources, diffMarkdown, diffRuleSets, diffText, impactOf, type ImpactReport, type LoggedDecision, type RuleSetDiff } from '@ratecard/engine';
import { Audit, Ledger, LedgerError, RuleVersions, type ActivationView, type VersionView } from '@ratecard/ledger';
import type { FastifyReply } from 'fastify';
import { Roles, type AuthedRequest } from '../http/auth';
import { DiffQuery, ImpactDto, NoQuery, PublishDto } from '../http/dto';
import { problem, ProblemException } from '../http/problem';
import { callerOf } from '../http/request';
import { ProblemSchema } from '../http/schemas';
import { ActivationSchema, ImpactSchema, PublishResultSchema, RuleSetDiffSchema, VersionSchema, VersionWithSourcesSchema } from '../http/schemas-audit';
import { CLOCK, type Clock } from '../tokens';
import { RulesService } from './rules.service';

@ApiTags('rulesets')
@ApiBearerAuth()
@Controller('v1/rulesets')
export class RulesetsController {
  constructor(
    private readonly versions: RuleVersions,
    private readonly rules: RulesService,
    private readonly audit: Audit,
    private readonly ledger: Ledger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Publish a rule set',
    description: 'Validates and compiles the files; a rule set with any error is refused (422 INVALID_RULES with every diagnostic). The version is the content hash, so publishing the same rules twice is harmless.',
  })
  @ApiResponse({ status: 201, type: PublishResultSchema })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_RULES' })
  async publish(@Body() body: PublishDto, @Req() req: AuthedRequest): Promise<{ version: string; created: boolean; activated: boolean; warnings: readonly unknown[] }> {
    const caller = callerOf(req);
    const result = await this.versions.publish(body.files, req.apiKey?.name ?? caller.actor, body.message, this.clock.now(), { activate: body.activate ?? false, caller });
    if (result.activated) await this.rules.refresh();
    return { version: result.version, created: result.created, activated: result.activated, warnings: result.diagnostics };
  }

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List published versions, newest first' })
  @ApiOkResponse({ type: [VersionSchema] })
  list(@Query() _query: NoQuery): Promise<VersionView[]> {
    return this.versions.list();
  }

  @Get('activations')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Activation history, newest first: which version was active when, and who activated it' })
  @ApiOkResponse({ type: [ActivationSchema] })
  activations(@Query() _query: NoQuery): Promise<ActivationView[]> {
    return this.versions.history();
  }

  @Get('diff')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'What changed between two versions',
    description: 'Rule-level changes in words (price, gate, action, variant, multiplier, exemption, allowance, quota, cycle policy) with file:line on both sides, and every plan × action × parameter cell whose price or outcome changed. `format=md` or `text` returns the rendered diff.',
  })
  @ApiOkResponse({ type: RuleSetDiffSchema, description: 'JSON; with `format=md` or `text`, the rendered diff as text/markdown or text/plain.' })
  @ApiProduces('application/json', 'text/markdown', 'text/plain')
  async diff(@Query() q: DiffQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<RuleSetDiff | string> {
    const [a, b] = await Promise.all([this.versions.compile(q.from), this.versions.compile(q.to)]);
    const d = diffRuleSets(a, b);
    if (q.format === 'md' || q.format === 'text') {
      void reply.header('content-type', `${q.format === 'md' ? 'text/markdown' : 'text/plain'}; charset=utf-8`);
      return q.format === 'md' ? diffMarkdown(d) : diffText(d);
    }
    return d;
  }

  @Post('impact')
  @Roles('admin', 'auditor')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Impact preview of candidate rules',
    description: 'Replays the logged decisions of a window (default 30 days) under the candidate (files or a published version), with the account state each decision saw. Reports outcome changes and credits per action and plan, and the accounts that would newly be denied. Writes nothing.',
  })
  @ApiOkResponse({ type: ImpactSchema })
  async impact(@Body() body: ImpactDto): Promise<ImpactReport & { window: { since: string; until: string } }> {
    if (!body.files === !body.version) throw new ProblemException(problem('INVALID_REQUEST', 'give the candidate as `files` or as a published `version`'));
    let candidate;
    if (body.version) candidate = await this.versions.compile(body.version);
    else {
      const { compiled, diagnostics } = await compileSources(body.files!);
      if (!compiled) throw new LedgerError('INVALID_RULES', 'the candidate rules do not compile', { diagnostics });
      candidate = compiled;
    }
    const until = this.clock.now();
    const m = /^(\d+)([dhm])$/.exec(body.since ?? '30d')!;
    const since = new Date(until.getTime() - Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']);
    await this.ledger.flushLogs();
    const logged: LoggedDecision[] = [];
    for await (const batch of this.audit.decisionsBetween(since, until)) logged.push(...batch);
    return { window: { since: since.toISOString(), until: until.toISOString() }, ...impactOf(candidate, logged, until) };
  }

  @Post('rollback')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Roll back', description: 'Activates the version that was active before the current one.' })
  @ApiOkResponse({ type: ActivationSchema })
  async rollback(@Req() req: AuthedRequest): Promise<ActivationView> {
    const activation = await this.versions.rollback(callerOf(req), this.clock.now());
    await this.rules.refresh();
    return activation;
  }

  @Get(':version')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'A version with its source files as written', description: 'The id or a unique prefix of at least 6 characters.' })
  @ApiOkResponse({ type: VersionWithSourcesSchema })
  get(@Param('version') version: string): Promise<unknown> {
    return this.versions.get(version);
  }

  @Post(':version/activate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate a version', description: 'Atomic. This process switches at once; other processes within `RULES_POLL_MS`.' })
  @ApiOkResponse({ type: ActivationSchema })
  async activate(@Param('version') version: string, @Req() req: AuthedRequest): Promise<ActivationView> {
    const activation = await this.versions.activate(version, callerOf(req), this.clock.now());
    await this.rules.refresh();
    return activation;
  }
}
