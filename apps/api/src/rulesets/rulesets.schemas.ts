import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DiagnosticSchema, SourceLocationSchema } from '../http/schemas';

/** Response shapes of the rule-set routes, for the OpenAPI document (the studio builds on them). */

export class SourceFileSchema {
  @ApiProperty({ example: 'editing.yaml' }) path!: string;
  @ApiProperty({ description: 'The file as written.' }) text!: string;
}

export class VersionSchema {
  @ApiProperty({ description: 'The content hash of the rules (64 hex characters).' }) version!: string;
  @ApiProperty() author!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The version active when this one was published.' }) parentVersion!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: [String] }) files!: string[];
}

export class CaseRevisionSchema {
  @ApiProperty() version!: string;
  @ApiProperty({ description: '1 for the cases the version was published with; each correction adds one.' }) revision!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Null for a version published before cases were checked.' }) cases!: number | null;
  @ApiProperty({ nullable: true, type: Number }) failed!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why failing cases were stored anyway.' }) forceReason!: string | null;
  @ApiProperty() author!: string;
  @ApiProperty() message!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: [String] }) files!: string[];
}

export class VersionDetailSchema extends VersionSchema {
  @ApiProperty({ type: [SourceFileSchema], description: 'Every file as published (rules and the cases of revision 1).' }) sources!: SourceFileSchema[];
  @ApiProperty({ type: [CaseRevisionSchema], description: 'Oldest first; the last one is what the version answers for.' }) caseRevisions!: CaseRevisionSchema[];
}

export class VersionCasesSchema {
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'The latest revision.' }) revision!: number;
  @ApiProperty({ type: [SourceFileSchema], description: 'The case files of the latest revision.' }) files!: SourceFileSchema[];
  @ApiProperty({ type: [CaseRevisionSchema] }) revisions!: CaseRevisionSchema[];
}

export class StrandedPlanSchema {
  @ApiProperty({ example: 'enterprise' }) plan!: string;
  @ApiProperty({ description: 'Accounts on the plan now.' }) accounts!: number;
  @ApiProperty({ description: 'Accounts with a pending change to the plan.' }) pendingChanges!: number;
  @ApiProperty({ type: [String], description: 'Up to ten of those accounts.' }) sample!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'Where the activation maps them, if it does.' }) mappedTo!: string | null;
}

export class VanishingActionSchema {
  @ApiProperty({ example: 'audio.narrate' }) action!: string;
  @ApiProperty({ description: 'Charges in the guard window (30 days).' }) charges!: number;
  @ApiProperty() chargedMillicredits!: number;
  @ApiProperty({ description: 'Accounts that made those charges.' }) accounts!: number;
  @ApiProperty({ description: 'Uses counted against quotas in cycles that started within the window.' }) usage!: number;
  @ApiProperty() activeHolds!: number;
  @ApiProperty() heldMillicredits!: number;
}

export class GuardProblemSchema {
  @ApiProperty({ enum: ['stranded-plan', 'vanishing-action', 'vanishing-hold'] }) kind!: string;
  @ApiProperty({ description: 'The plan or action.' }) subject!: string;
  @ApiProperty({ example: 'plan `enterprise` is not in c5e4f3a8357d: 2 accounts on it would be denied everything, with no allowance' }) message!: string;
}

export class ActivationReportSchema {
  @ApiProperty({ nullable: true, type: String, description: 'The active version before the switch.' }) from!: string | null;
  @ApiProperty() to!: string;
  @ApiProperty() since!: string;
  @ApiProperty() until!: string;
  @ApiProperty({ type: [StrandedPlanSchema] }) plans!: StrandedPlanSchema[];
  @ApiProperty({ type: [VanishingActionSchema] }) actions!: VanishingActionSchema[];
  @ApiProperty({ type: [GuardProblemSchema], description: 'Why the switch is refused; empty when safe.' }) problems!: GuardProblemSchema[];
  @ApiProperty() safe!: boolean;
}

export class PlanMoveResultSchema {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [String], description: 'Accounts moved.' }) accounts!: string[];
  @ApiProperty({ type: [String], description: 'Accounts whose pending change to `from` was cancelled.' }) pendingCleared!: string[];
}

export class ActivationSchema {
  @ApiProperty({ description: 'The activation id in the append-only log (0 when nothing changed).' }) id!: number;
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'The API key id, `cli:<user>` or `system`.' }) activatedBy!: string;
  @ApiProperty({ enum: ['publish', 'activate', 'rollback', 'cancel'] }) reason!: string;
  @ApiProperty({ description: 'When it was written.' }) at!: string;
  @ApiProperty({ description: 'When it takes effect: `at`, or the scheduled instant.' }) effectiveAt!: string;
  @ApiProperty({ description: 'A scheduled activation whose instant has not come (and was not cancelled).' }) pending!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'The `cancel` activation that withdrew this scheduled one.' }) cancelledBy!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'For a `cancel` activation: the scheduled one it withdrew.' }) cancels!: number | null;
}

export class ActivationResultSchema extends ActivationSchema {
  @ApiProperty({ description: 'False when the version was already active.' }) changed!: boolean;
  @ApiProperty({ nullable: true, type: String }) previous!: string | null;
  @ApiProperty({ type: ActivationReportSchema }) report!: ActivationReportSchema;
  @ApiProperty({ type: [PlanMoveResultSchema] }) migrated!: PlanMoveResultSchema[];
  @ApiProperty({ nullable: true, type: String, description: 'The reason given for overriding the guard.' }) forced!: string | null;
}

export class MismatchSchema {
  @ApiProperty({ example: 'cost' }) field!: string;
  @ApiProperty({ example: '0.5' }) want!: string;
  @ApiProperty({ example: '0.75' }) got!: string;
}

export class CaseFailureSchema {
  @ApiProperty() note!: string;
  @ApiProperty() file!: string;
  @ApiProperty() line!: number;
  @ApiProperty() column!: number;
  @ApiProperty({ type: [MismatchSchema] }) mismatches!: MismatchSchema[];
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } }) reasons!: { code: string; message: string }[];
}

export class CaseCheckSchema {
  @ApiProperty() cases!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [CaseFailureSchema] }) failures!: CaseFailureSchema[];
}

export class PublishResultSchema {
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'False when the same rules were already published.' }) created!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'The case revision this call stored (1 for a new version), or null.' }) casesRevision!: number | null;
  @ApiProperty() activated!: boolean;
  @ApiPropertyOptional({ type: ActivationResultSchema, nullable: true }) activation!: ActivationResultSchema | null;
  @ApiProperty({ type: CaseCheckSchema }) cases!: CaseCheckSchema;
  @ApiProperty({ type: [DiagnosticSchema], description: 'Warnings of the rules (a rule set with an error is never published).' }) warnings!: DiagnosticSchema[];
}

export class RuleChangeSchema {
  @ApiProperty({ example: 'price-increase', description: 'price-increase, price-decrease, gate-tightened, gate-loosened, action-added, action-removed, variant-added, variant-removed, multiplier-changed, exemption-added, exemption-removed, allowance-changed, quota-changed, plan-added, plan-removed, plan-order-changed, cycle-changed, confirmation-changed, condition-changed, parameter-changed, phases-changed, label-changed, plan-price-added, plan-price-removed, plan-price-changed, promotion-added, promotion-removed, promotion-changed, included-changed, pack-added, pack-removed, pack-changed, low-balance-changed' })
  kind!: string;
  @ApiProperty({ description: 'The action or plan concerned.' }) subject!: string;
  @ApiProperty({ example: '`chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)' }) summary!: string;
  @ApiProperty({ enum: ['tightened', 'loosened', 'neutral'] }) direction!: string;
  @ApiPropertyOptional({ type: SourceLocationSchema }) before?: SourceLocationSchema;
  @ApiPropertyOptional({ type: SourceLocationSchema }) after?: SourceLocationSchema;
  @ApiPropertyOptional() from?: number;
  @ApiPropertyOptional() to?: number;
  @ApiPropertyOptional() percent?: number;
}

export class CellOutcomeSchema {
  @ApiProperty() allowed!: boolean;
  @ApiProperty() cost!: number;
  @ApiProperty({ type: [String] }) reasons!: string[];
}

export class CellChangeSchema {
  @ApiProperty() action!: string;
  @ApiProperty() plan!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ type: CellOutcomeSchema, nullable: true, description: 'Null when the cell does not exist on that side.' }) before!: CellOutcomeSchema | null;
  @ApiProperty({ type: CellOutcomeSchema, nullable: true }) after!: CellOutcomeSchema | null;
  @ApiPropertyOptional({ example: '2026-12-01T00:00:00.000Z', description: 'When the change holds only part of the time (a promotion): from this instant, UTC, inclusive. Absent with `until` absent too: at all times.' }) from?: string;
  @ApiPropertyOptional({ example: '2027-01-01T00:00:00.000Z', description: 'Until this instant, UTC, exclusive; absent: from `from` on.' }) until?: string;
}

export class CellGroupSchema {
  @ApiProperty({ enum: ['price-increase', 'price-decrease', 'lose-access', 'gain-access', 'added', 'removed', 'through-phases'] }) kind!: string;
  @ApiProperty({ type: [String], description: 'The action, or every composite changed through its phases.' }) actions!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: {} }, description: 'Values covered per dimension (plan, parameters); a dimension left out is covered whole.' }) scope!: Record<string, unknown[]>;
  @ApiProperty({ example: 'model=flux-pro, every plan and resolution' }) where!: string;
  @ApiProperty({ example: '+1 cr per 16 cr (+6.3%)' }) change!: string;
  @ApiPropertyOptional() percent?: number;
  @ApiPropertyOptional({ type: [Number], description: '[smallest, largest] price change in percent.' }) percentRange?: [number, number];
  @ApiProperty() cells!: number;
  @ApiProperty() allowedBefore!: number;
  @ApiProperty() allowedAfter!: number;
  @ApiProperty({ type: [String] }) plans!: string[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', properties: { from: { type: 'string' }, until: { type: 'string' } } }, description: 'The stretches of time the change holds in (UTC, from inclusive, until exclusive, an absent end is open); absent: at all times.' }) windows?: { from?: string; until?: string }[];
  @ApiPropertyOptional({ example: '2026-12-01 to 2027-01-01' }) when?: string;
}

export class DiffSummarySchema {
  @ApiProperty({ type: [String], example: ['every plan: image.generate model=flux-pro (+6.3%)'] }) payMore!: string[];
  @ApiProperty({ type: [String] }) payLess!: string[];
  @ApiProperty({ type: [String], example: ['Pro: business-os.chat'] }) loseAccess!: string[];
  @ApiProperty({ type: [String] }) gainAccess!: string[];
  @ApiProperty({ type: [String], description: 'Changes no cell shows: allowances, quotas, the cycle policy.' }) other!: string[];
}

export class DiffSchema {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ description: 'True when the rule sets mean the same.' }) identical!: boolean;
  @ApiProperty({ type: DiffSummarySchema }) summary!: DiffSummarySchema;
  @ApiProperty({ type: [RuleChangeSchema] }) rules!: RuleChangeSchema[];
  @ApiProperty({ type: [CellGroupSchema], description: 'The changed cells grouped by how they changed.' }) groups!: CellGroupSchema[];
  @ApiProperty({ type: [CellChangeSchema], description: 'Every changed cell.' }) cells!: CellChangeSchema[];
  @ApiProperty() cellsCompared!: number;
}

export class ImpactGroupSchema {
  @ApiProperty({ description: 'The action or plan.' }) key!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() changedOutcome!: number;
  @ApiProperty() newlyDenied!: number;
  @ApiProperty() newlyAllowed!: number;
  @ApiProperty() repriced!: number;
  @ApiProperty() chargedBefore!: number;
  @ApiProperty({ description: 'What the same charges would cost under the candidate: 0 for those it denies, its price for charges denied then that it allows.' }) chargedAfter!: number;
}

export class AccountCountSchema {
  @ApiProperty() accountId!: string;
  @ApiProperty() requests!: number;
}

export class ImpactSummarySchema {
  @ApiProperty() accountsAffected!: number;
  @ApiProperty() accounts!: number;
  @ApiProperty({ type: [String], example: ['basic: chat.edit (+0.75 cr over 3 charges)'] }) payMore!: string[];
  @ApiProperty({ type: [String] }) payLess!: string[];
  @ApiProperty({ type: [String], example: ['studio (2 requests)'] }) loseAccess!: string[];
  @ApiProperty({ type: [String] }) gainAccess!: string[];
}

export class ImpactWindowSchema {
  @ApiProperty({ description: 'Inclusive.', example: '2026-10-25T21:16:45.280Z' }) since!: string;
  @ApiProperty({ description: 'Exclusive.', example: '2026-11-24T21:16:45.280Z' }) until!: string;
}

export class ImpactSchema {
  @ApiProperty({ type: ImpactWindowSchema, description: 'The logged decisions replayed.' }) window!: ImpactWindowSchema;
  @ApiProperty() candidateVersion!: string;
  @ApiProperty({ type: ImpactSummarySchema }) summary!: ImpactSummarySchema;
  @ApiProperty() requests!: number;
  @ApiProperty() changedOutcome!: number;
  @ApiProperty() newlyDenied!: number;
  @ApiProperty() newlyAllowed!: number;
  @ApiProperty() repriced!: number;
  @ApiProperty() chargedBefore!: number;
  @ApiProperty() chargedAfter!: number;
  @ApiProperty({ type: [ImpactGroupSchema] }) byAction!: ImpactGroupSchema[];
  @ApiProperty({ type: [ImpactGroupSchema] }) byPlan!: ImpactGroupSchema[];
  @ApiProperty({ type: [AccountCountSchema] }) newlyDeniedAccounts!: AccountCountSchema[];
  @ApiProperty({ type: [AccountCountSchema] }) newlyAllowedAccounts!: AccountCountSchema[];
}
