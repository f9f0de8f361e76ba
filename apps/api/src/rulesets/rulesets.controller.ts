import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { compileSources, diffMarkdown, diffRuleSets, diffText, impactOf, type ImpactReport, type LoggedDecision, type RuleSetDiff } from '@ratecard/engine';
import { Audit, Ledger, LedgerError, RuleVersions, VERSION_NAME_HELP, type ActivationReport, type ActivationResult, type ActivationView, type VersionView } from '@ratecard/ledger';
import type { FastifyReply } from 'fastify';
import { Roles, type AuthedRequest } from '../http/auth';
import { ImpactDto, NoQuery } from '../http/dto';
import { problem, ProblemException } from '../http/problem';
import { callerOf } from '../http/request';
import { ProblemSchema } from '../http/schemas-problem';
import { CLOCK, type Clock } from '../tokens';
import { RulesService } from './rules.service';
import { ActivationReportQuery, DiffFormatQuery, planMovesFromPairs, PublishRequestDto, SwitchDto, switchOptions } from './rulesets.dto';
import { ActivationReportSchema, ActivationResultSchema, ActivationSchema, DiffSchema, ImpactSchema, PublishResultSchema, VersionCasesSchema, VersionDetailSchema, VersionSchema } from './rulesets.schemas';

const VERSION_PARAM = { name: 'version', description: `${VERSION_NAME_HELP[0].toUpperCase()}${VERSION_NAME_HELP.slice(1)}.`, example: 'active' };
const REFUSED = { status: 409, type: ProblemSchema, description: 'ACTIVATION_REFUSED: the switch would hurt live accounts; `report` (an activation report) says how. Map the plans or force it with a reason.' };

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
    description:
      'Validates and compiles the files, then runs their cases (`*.test.yaml`): a rule set with any error is refused (422 INVALID_RULES with every diagnostic), one whose cases fail too (422 CASES_FAILED with `failures`) unless `force` with a `reason`. The version is the content hash: publishing the same rules with other cases stores the next revision of its cases. With `activate`, the switch is guarded as for activate; with `activateAt` too, it is scheduled for that instant.',
  })
  @ApiResponse({ status: 201, type: PublishResultSchema })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_RULES, CASES_FAILED or INVALID_PLAN_MAPPING' })
  @ApiResponse(REFUSED)
  async publish(@Body() body: PublishRequestDto, @Req() req: AuthedRequest): Promise<unknown> {
    const caller = callerOf(req);
    const options = switchOptions(body);
    const r = await this.versions.publish(body.files, req.apiKey?.name ?? caller.actor, body.message, this.clock.now(), { activate: body.activate ?? false, caller, ...options });
    if (r.activated) await this.rules.refresh();
    return {
      version: r.version,
      created: r.created,
      casesRevision: r.casesRevision,
      activated: r.activated,
      activation: r.activation,
      cases: { cases: r.cases.cases, failed: r.cases.failures.length, failures: r.cases.failures },
      warnings: r.diagnostics,
    };
  }

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List published versions, newest first' })
  @ApiOkResponse({ type: [VersionSchema] })
  list(@Query() _query: NoQuery): Promise<VersionView[]> {
    return this.versions.list(this.clock.now());
  }

  @Get('activations')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Activation history, newest first: which version was active when, and who activated it', description: 'Scheduled activations still to come are `pending`; a cancelled one names the `cancel` activation that withdrew it.' })
  @ApiOkResponse({ type: [ActivationSchema] })
  activations(@Query() _query: NoQuery): Promise<ActivationView[]> {
    return this.versions.history(100, this.clock.now());
  }

  @Post('activations/:id/cancel')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a scheduled activation before its time', description: 'Appends a `cancel` activation (the log stays append-only) and an audit event. Refused (409 ACTIVATION_NOT_PENDING) once it took effect, or when it was not scheduled or is cancelled already.' })
  @ApiParam({ name: 'id', description: 'The activation id (`GET /v1/rulesets/activations`).', example: '7' })
  @ApiOkResponse({ type: ActivationSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'ACTIVATION_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ProblemSchema, description: 'ACTIVATION_NOT_PENDING' })
  async cancel(@Param('id') id: string, @Body() _body: NoQuery, @Req() req: AuthedRequest): Promise<ActivationView> {
    if (!/^[1-9]\d{0,9}$/.test(id)) throw new ProblemException(problem('ACTIVATION_NOT_FOUND', `no activation \`${id}\``));
    const cancelled = await this.versions.cancel(Number(id), callerOf(req), this.clock.now());
    await this.rules.refresh();
    return cancelled;
  }

  @Get('diff')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'What changed between two versions',
    description:
      'In short: who pays more or less, who gains or loses access. Then the rule-level changes in words (price, gate, action, variant, multiplier, exemption, allowance, quota, cycle policy) with file:line on both sides, the changed plan × action × parameter cells grouped by how they changed, and every changed cell. `format=md` or `text` returns the rendered diff (`cells=true` lists every cell there too). Versions by any name: an id, a prefix of at least 6 characters, `active`, `previous`.',
  })
  @ApiOkResponse({ type: DiffSchema, description: 'JSON; with `format=md` or `text`, the rendered diff as `text/markdown` or `text/plain`.' })
  @ApiProduces('application/json', 'text/markdown', 'text/plain')
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  @ApiResponse({ status: 400, type: ProblemSchema, description: 'INVALID_REQUEST or VERSION_AMBIGUOUS' })
  async diff(@Query() q: DiffFormatQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<RuleSetDiff | string> {
    const [a, b] = await Promise.all([this.versions.compile(q.from, this.clock.now()), this.versions.compile(q.to, this.clock.now())]);
    const d = diffRuleSets(a, b);
    if (q.format === 'md' || q.format === 'text') {
      void reply.header('content-type', `${q.format === 'md' ? 'text/markdown' : 'text/plain'}; charset=utf-8`);
      const options = { cells: q.cells === 'true' };
      return q.format === 'md' ? diffMarkdown(d, options) : diffText(d, options);
    }
    return d;
  }

  @Post('impact')
  @Roles('admin', 'auditor')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Impact preview of candidate rules',
    description:
      'Replays the logged decisions of a window (default 30 days) under the candidate (files or a published version by any name), with the account state each decision saw. In short: accounts affected, credits before → after (charges it would newly allow count at its price), who pays more or less, accounts newly denied or allowed; then totals per action and plan. Writes nothing.',
  })
  @ApiOkResponse({ type: ImpactSchema })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_RULES: the candidate files do not compile' })
  async impact(@Body() body: ImpactDto): Promise<ImpactReport & { window: { since: string; until: string } }> {
    if (!body.files === !body.version) throw new ProblemException(problem('INVALID_REQUEST', 'give the candidate as `files` or as a published `version`'));
    let candidate;
    if (body.version) candidate = await this.versions.compile(body.version, this.clock.now());
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
    return { window: { since: since.toISOString(), until: until.toISOString() }, ...impactOf(candidate, logged) };
  }

  @Post('rollback')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Roll back',
    description: 'Activates the version that was active before the current one (`previous`), guarded as activate: refused (409) when it would strand live accounts, unless `migratePlans` maps their plans or `force` with a `reason`.',
  })
  @ApiOkResponse({ type: ActivationResultSchema })
  @ApiResponse(REFUSED)
  async rollback(@Body() body: SwitchDto, @Req() req: AuthedRequest): Promise<ActivationResult> {
    const activation = await this.versions.rollback(callerOf(req), this.clock.now(), switchOptions(body));
    await this.rules.refresh();
    return activation;
  }

  @Get(':version')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'A version with its source files as written, and its case revisions' })
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: VersionDetailSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  @ApiResponse({ status: 400, type: ProblemSchema, description: 'VERSION_AMBIGUOUS' })
  get(@Param('version') version: string): Promise<unknown> {
    return this.versions.get(version, this.clock.now());
  }

  @Get(':version/cases')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: "A version's cases: the latest revision's files and every revision", description: 'Cases are corrected by publishing the same rules with other cases, which adds a revision; no revision is ever edited.' })
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: VersionCasesSchema })
  cases(@Param('version') version: string): Promise<unknown> {
    return this.versions.cases(version);
  }

  @Get(':version/activation-report')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'What activating a version would do to live accounts',
    description: 'The guard activate and rollback run first, read-only: accounts on plans the version lacks, actions in use it lacks, active holds priced by them. `migratePlan=from=to` (repeatable) shows the report with that mapping.',
  })
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: ActivationReportSchema })
  report(@Param('version') version: string, @Query() q: ActivationReportQuery): Promise<ActivationReport> {
    return this.versions.preview(version, this.clock.now(), planMovesFromPairs(q.migratePlan));
  }

  @Post(':version/activate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Activate a version',
    description:
      'Guarded and atomic. Refused (409 ACTIVATION_REFUSED with the report) when it would strand live accounts, unless `migratePlans` maps their plans (applied in the same transaction, each move in the account\'s ledger) or `force` with a `reason` (recorded in the audit trail). This process switches at once; other processes within `RULES_POLL_MS`. With `at`, the switch is scheduled: every process switches at that instant (422 INVALID_SCHEDULE for a time not after now, or with a plan mapping).',
  })
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: ActivationResultSchema })
  @ApiResponse(REFUSED)
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_PLAN_MAPPING or INVALID_SCHEDULE' })
  async activate(@Param('version') version: string, @Body() body: SwitchDto, @Req() req: AuthedRequest): Promise<ActivationResult> {
    const activation = await this.versions.activate(version, callerOf(req), this.clock.now(), switchOptions(body));
    await this.rules.refresh();
    return activation;
  }
}
