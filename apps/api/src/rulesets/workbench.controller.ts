import { createHash } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { fromCredits, isRuleFile, loadCases, sortDiagnostics, type Diagnostic, type SourceFile } from '@ratecard/dsl';
import { compileSources, decide, diffRuleSets, runCases, type CompiledRuleSet, type Decision, type RuleSetDiff } from '@ratecard/engine';
import { LedgerError, RuleVersions } from '@ratecard/ledger';
import { Roles } from '../http/auth';
import { problem, ProblemException } from '../http/problem';
import { DecisionSchema } from '../http/schemas';
import { ProblemSchema } from '../http/schemas-problem';
import { CLOCK, type Clock } from '../tokens';
import { RulesService } from './rules.service';
import { DiffFilesDto, FilesDto, QuoteDto } from './workbench.dto';
import { DiffSchema } from './rulesets.schemas';
import { TestReportSchema, ValidationSchema } from './workbench.schemas';

/** What a request to a rule set can name: its plans, and its actions with their parameters. */
interface Catalogue {
  readonly plans: { id: string; name: string }[];
  readonly actions: { id: string; name: string; params: { name: string; type: string; values?: readonly unknown[]; default?: unknown; min?: number; max?: number; unit?: string }[] }[];
}

function catalogueOf(compiled: CompiledRuleSet): Catalogue {
  return {
    plans: compiled.ruleset.plans.map((p) => ({ id: p.id, name: p.name })),
    actions: Object.values(compiled.ruleset.actions).map((a) => ({
      id: a.id,
      name: a.name,
      params: Object.values(a.params).map((p) => ({
        name: p.name,
        type: p.type,
        ...(p.values ? { values: p.values } : {}),
        ...(p.default !== undefined ? { default: p.default } : {}),
        ...(p.min !== undefined ? { min: p.min } : {}),
        ...(p.max !== undefined ? { max: p.max } : {}),
        ...(p.unit ? { unit: p.unit } : {}),
      })),
    })),
  };
}

interface Compiled {
  readonly compiled?: CompiledRuleSet;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The rule workbench: what `ratecard validate`, `test` and `quote` do for files in a directory,
 * done for files sent in the request (a draft in the Studio's editor). Nothing is written. The
 * same functions as the CLI: `compileSources`, `loadCases` and `runCases`, `decide`, `diffRuleSets`.
 */
@ApiTags('rulesets')
@ApiBearerAuth()
@Controller('v1/rulesets')
export class WorkbenchController {
  /** Recent compilations by content, so an editor that re-sends the same files gets its answer at once. */
  private readonly recent = new Map<string, Promise<Compiled>>();

  constructor(
    private readonly versions: RuleVersions,
    private readonly rules: RulesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('validate')
  @Roles('admin', 'auditor')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Validate rule files without publishing them',
    description: 'Every diagnostic of the rule files (as `ratecard validate`) and of the case files (as `ratecard test`), each at its file, line and column, and the version the files would have. Writes nothing.',
  })
  @ApiOkResponse({ type: ValidationSchema })
  async validate(@Body() body: FilesDto): Promise<{ valid: boolean; version: string | null; diagnostics: readonly Diagnostic[]; ruleFiles: number; actions: number; plans: number; catalogue: Catalogue | null }> {
    const { compiled, diagnostics } = await this.compile(body.files);
    const cases = loadCases(body.files).diagnostics;
    const all = sortDiagnostics([...diagnostics, ...cases]);
    return {
      valid: compiled !== undefined && !all.some((d) => d.severity === 'error'),
      version: compiled?.version ?? null,
      diagnostics: all,
      ruleFiles: body.files.filter((f) => isRuleFile(f.path)).length,
      actions: compiled?.actions.size ?? 0,
      plans: compiled?.plans.size ?? 0,
      catalogue: compiled ? catalogueOf(compiled) : null,
    };
  }

  @Post('test')
  @Roles('admin', 'auditor')
  @HttpCode(200)
  @ApiOperation({ summary: "Run the files' expected-result cases", description: 'As `ratecard test`: every case of the `*.test.yaml` files, passed or failed with what it expected and what the rules gave. 422 INVALID_RULES when the rule files do not compile.' })
  @ApiOkResponse({ type: TestReportSchema })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_RULES' })
  async test(@Body() body: FilesDto): Promise<unknown> {
    const compiled = await this.compiledOrFail(body.files);
    const { cases, diagnostics } = loadCases(body.files);
    const results = runCases(compiled, cases, this.clock.now());
    const failed = results.filter((r) => !r.pass).length;
    return {
      version: compiled.version,
      passed: results.length - failed,
      failed,
      diagnostics,
      results: results.map((r) => ({
        note: r.case.note,
        location: r.case.at,
        plan: r.case.plan,
        action: r.case.action,
        params: r.case.params,
        pass: r.pass,
        mismatches: r.mismatches,
        decision: r.decision,
      })),
    };
  }

  @Post('quote')
  @Roles('admin', 'auditor')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Price a request with rule files or a version, for a plan',
    description: "As `ratecard quote`: the decision for a plan, a balance (the plan's allowance by default) and quota usage, against the files given or a published version. No account is involved and nothing is logged.",
  })
  @ApiOkResponse({ type: DecisionSchema })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_RULES' })
  async quote(@Body() body: QuoteDto): Promise<Decision> {
    if (!body.files === !body.version) throw new ProblemException(problem('INVALID_REQUEST', 'give the rules as `files` or as a published `version`'));
    const compiled = body.version ? await this.published(body.version) : await this.compiledOrFail(body.files!);
    const used: Record<string, number> = {};
    for (const [action, count] of Object.entries(body.used ?? {})) {
      if (!Number.isInteger(count) || count < 0 || count > 1_000_000_000) throw new ProblemException(problem('INVALID_REQUEST', `used: \`${action}\` must be a whole number of uses`, { errors: [{ field: `used.${action}`, message: 'a whole number from 0' }] }));
      used[action] = count;
    }
    let balanceMc = compiled.plans.get(body.plan)?.plan.allowanceMc ?? 0;
    if (body.balance !== undefined) {
      const mc = fromCredits(body.balance);
      if (mc === undefined) throw new ProblemException(problem('INVALID_REQUEST', '`balance` must have at most three decimals', { errors: [{ field: 'balance', message: 'at most three decimals' }] }));
      balanceMc = mc;
    }
    return decide(compiled, { plan: body.plan, balanceMc, usage: used }, { action: body.action, params: body.params ?? {}, confirm: body.confirm ?? false }, this.clock.now());
  }

  @Post('diff')
  @Roles('admin', 'auditor')
  @HttpCode(200)
  @ApiOperation({ summary: 'What rule files would change against a published version', description: 'As `GET /v1/rulesets/diff`, with the `to` side given as files (a draft): rule-level changes with file:line on both sides and every plan × action × parameter cell that changed.' })
  @ApiOkResponse({ type: DiffSchema })
  @ApiResponse({ status: 422, type: ProblemSchema, description: 'INVALID_RULES' })
  async diff(@Body() body: DiffFilesDto): Promise<RuleSetDiff> {
    const [from, to] = await Promise.all([this.published(body.from), this.compiledOrFail(body.files)]);
    return diffRuleSets(from, to);
  }

  private async published(idOrPrefix: string): Promise<CompiledRuleSet> {
    const { version } = await this.versions.get(idOrPrefix);
    const compiled = await this.rules.get(version);
    if (!compiled) throw new LedgerError('VERSION_NOT_FOUND', `no version \`${idOrPrefix}\``);
    return compiled;
  }

  private async compiledOrFail(files: readonly SourceFile[]): Promise<CompiledRuleSet> {
    const { compiled, diagnostics } = await this.compile(files);
    if (!compiled) throw new LedgerError('INVALID_RULES', `the rule files have ${diagnostics.filter((d) => d.severity === 'error').length} error(s)`, { diagnostics });
    return compiled;
  }

  /** Compiles the rule files (case files do not change the result), remembering the last few results. */
  private compile(files: readonly SourceFile[]): Promise<Compiled> {
    const rules = files.filter((f) => isRuleFile(f.path));
    const key = createHash('sha256').update(JSON.stringify(rules.map((f) => [f.path, f.text]))).digest('hex');
    let result = this.recent.get(key);
    if (!result) {
      result = compileSources(rules);
      if (this.recent.size >= 16) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(key, result);
    } else {
      // Most recently used last.
      this.recent.delete(key);
      this.recent.set(key, result);
    }
    return result;
  }
}
