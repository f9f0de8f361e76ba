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
  @ApiProperty({ nullable: true, type: String, description: 'The key that asked (null for the command line).' }) apiKeyId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The name of that key (null when there is none or it is gone).' }) apiKeyName!: string | null;
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
  @ApiProperty({ nullable: true, type: String, description: 'The name of the key that acted (null for `system` and the command line).' }) actorName!: string | null;
  @ApiProperty({ example: 'key.revoke' }) event!: string;
  @ApiProperty() target!: string;
  @ApiProperty({ ...FREE_FORM, description: 'What the event changed; depends on the event.' }) details!: Record<string, unknown>;
  @ApiProperty() createdAt!: string;
}

export class AuditPageSchema {
  @ApiProperty({ type: [AuditEventSchema] }) items!: AuditEventSchema[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `cursor` for the next page.' }) next!: number | null;
}
