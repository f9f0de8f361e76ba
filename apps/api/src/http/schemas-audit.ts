import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DecisionSchema, DiagnosticSchema, SourceLocationSchema } from './schemas';

/** Response shapes of the auditors' and PMs' routes: the decision log, the audit trail, rule sets. */

const FREE_FORM = { type: 'object', additionalProperties: true } as const;

export class DecisionLogEntrySchema {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ['quote', 'charge', 'hold', 'capture'] }) kind!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() plan!: string;
  @ApiProperty() action!: string;
  @ApiProperty(FREE_FORM) params!: Record<string, unknown>;
  @ApiProperty() confirm!: boolean;
  @ApiProperty() allowed!: boolean;
  @ApiProperty() cost!: number;
  @ApiProperty() costMillicredits!: number;
  @ApiProperty({ type: [String], description: 'Reason codes.' }) reasons!: string[];
  @ApiProperty() rulesetVersion!: string;
  @ApiProperty({ nullable: true, type: String }) chargeId!: string | null;
  @ApiProperty({ nullable: true, type: String }) apiKeyId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: DecisionSchema }) decision!: DecisionSchema;
  @ApiProperty({ description: 'The spendable balance the decision saw.' }) balanceMillicredits!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Quota usage the decision saw, by action.' }) usage!: Record<string, number>;
}

export class DecisionLogPageSchema {
  @ApiProperty({ type: [DecisionLogEntrySchema] }) items!: DecisionLogEntrySchema[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page.' }) next!: string | null;
}

export class AuditEventSchema {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'The API key id, `system` or `cli:<user>`.' }) actor!: string;
  @ApiProperty({ example: 'key.revoke' }) event!: string;
  @ApiProperty() target!: string;
  @ApiProperty({ ...FREE_FORM, description: 'What the event changed; depends on the event.' }) details!: Record<string, unknown>;
  @ApiProperty() createdAt!: string;
}

export class AuditPageSchema {
  @ApiProperty({ type: [AuditEventSchema] }) items!: AuditEventSchema[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `cursor` for the next page.' }) next!: number | null;
}

export class RuleChangeSchema {
  @ApiProperty({ example: 'price' }) kind!: string;
  @ApiProperty({ description: 'The action or plan concerned.' }) subject!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ enum: ['tightened', 'loosened', 'neutral'] }) direction!: string;
  @ApiPropertyOptional({ type: SourceLocationSchema }) before?: SourceLocationSchema;
  @ApiPropertyOptional({ type: SourceLocationSchema }) after?: SourceLocationSchema;
  @ApiPropertyOptional({ description: 'Credits, for price and allowance changes.' }) from?: number;
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
  @ApiProperty(FREE_FORM) params!: Record<string, unknown>;
  @ApiProperty({ type: CellOutcomeSchema, nullable: true }) before!: CellOutcomeSchema | null;
  @ApiProperty({ type: CellOutcomeSchema, nullable: true }) after!: CellOutcomeSchema | null;
}

export class RuleSetDiffSchema {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ description: 'Only formatting, comments or key order differ.' }) identical!: boolean;
  @ApiProperty({ type: [RuleChangeSchema] }) rules!: RuleChangeSchema[];
  @ApiProperty({ type: [CellChangeSchema] }) cells!: CellChangeSchema[];
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
  @ApiProperty() chargedAfter!: number;
}

export class ImpactWindowSchema {
  @ApiProperty() since!: string;
  @ApiProperty() until!: string;
}

export class NewlyDeniedSchema {
  @ApiProperty() accountId!: string;
  @ApiProperty() requests!: number;
}

export class ImpactSchema {
  @ApiProperty({ type: ImpactWindowSchema }) window!: ImpactWindowSchema;
  @ApiProperty() candidateVersion!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() changedOutcome!: number;
  @ApiProperty() repriced!: number;
  @ApiProperty() chargedBefore!: number;
  @ApiProperty() chargedAfter!: number;
  @ApiProperty({ type: [ImpactGroupSchema] }) byAction!: ImpactGroupSchema[];
  @ApiProperty({ type: [ImpactGroupSchema] }) byPlan!: ImpactGroupSchema[];
  @ApiProperty({ type: [NewlyDeniedSchema] }) newlyDeniedAccounts!: NewlyDeniedSchema[];
}
