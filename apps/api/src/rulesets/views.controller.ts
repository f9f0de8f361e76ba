import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { planGrid, priceTable, ruleLocations, type CompiledRuleSet, type PlanGrid, type PriceTable, type RuleLocation } from '@ratecard/engine';
import { LedgerError, RuleVersions } from '@ratecard/ledger';
import { Roles } from '../http/auth';
import { ProblemSchema } from '../http/schemas-problem';
import { CLOCK, type Clock } from '../tokens';
import { RulesService } from './rules.service';
import { PriceTableSchema } from './table.schemas';
import { PlanGridSchema, RuleLocationsSchema } from './views.schemas';

/** Read-only views of a published version: where its rules are written, its price table, its plan grid. */
@ApiTags('rulesets')
@ApiBearerAuth()
@Controller('v1/rulesets')
export class RulesetViewsController {
  constructor(
    private readonly versions: RuleVersions,
    private readonly rules: RulesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':version/rules')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: "Where each of a version's rules is written",
    description: "Every rule id a decision of this version can name (a receipt line's or a reason's `rule`, e.g. `image.generate/variant/flux-pro`) with its file, line and column in the version's own files (`GET /v1/rulesets/{version}` has their text).",
  })
  @ApiOkResponse({ type: RuleLocationsSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  async locations(@Param('version') version: string): Promise<{ version: string; rules: RuleLocation[] }> {
    const compiled = await this.compiled(version);
    return { version: compiled.version, rules: ruleLocations(compiled.ruleset) };
  }

  @Get(':version/table')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: "A version's price list", description: 'The price table generated from the rules (what `ratecard table --format json` prints): groups of rows with credits and who may use them, plans with allowances and quotas, the cycle policy, free actions, assumptions; its offers: included usage, the promotions running or upcoming now (ended ones left out) and the credit packs.' })
  @ApiOkResponse({ type: PriceTableSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  async table(@Param('version') version: string): Promise<PriceTable> {
    return priceTable(await this.compiled(version), { now: this.clock.now() });
  }

  @Get(':version/grid')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: "A version's plan grid: every plan × option, allowed or why not",
    description: 'For every action, its defaults and each value of each enumerated parameter, decided on every plan with an unlimited balance, no usage and confirmation given: the price, or the reasons the rules deny it (a gate names the plan that would allow it).',
  })
  @ApiOkResponse({ type: PlanGridSchema })
  @ApiResponse({ status: 404, type: ProblemSchema, description: 'VERSION_NOT_FOUND' })
  async grid(@Param('version') version: string): Promise<PlanGrid> {
    return planGrid(await this.compiled(version), this.clock.now());
  }

  private async compiled(idOrPrefix: string): Promise<CompiledRuleSet> {
    const { version } = await this.versions.get(idOrPrefix);
    const compiled = await this.rules.get(version);
    if (!compiled) throw new LedgerError('VERSION_NOT_FOUND', `no version \`${idOrPrefix}\``);
    return compiled;
  }
}
