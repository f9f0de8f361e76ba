import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'The API key id, `cli:<user>` or `system`.' }) activatedBy!: string;
  @ApiProperty({ enum: ['publish', 'activate', 'rollback'] }) reason!: string;
  @ApiProperty() at!: string;
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
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Warnings of the rules.' }) warnings!: unknown[];
}
