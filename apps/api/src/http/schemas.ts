import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Response shapes, for the OpenAPI document. */

export class ReasonSchema {
  @ApiProperty({ enum: ['PLAN_REQUIRED', 'QUOTA_EXCEEDED', 'INSUFFICIENT_CREDITS', 'CONFIRMATION_REQUIRED', 'UNKNOWN_ACTION', 'INVALID_PARAMS'] })
  code!: string;
  @ApiProperty({ example: 'model `flux-pro` needs the Pro plan or higher' })
  message!: string;
  @ApiPropertyOptional({ example: 'image.generate/variant/flux-pro' })
  rule?: string;
  @ApiPropertyOptional({ description: 'For PLAN_REQUIRED: the lowest plan that would be allowed.', example: 'pro' })
  requiredPlan?: string;
}

export class BreakdownLineSchema {
  @ApiProperty({ example: 'Veo 3.1 Standard 32 cr/s × 8 s = 256' })
  label!: string;
  @ApiProperty({ description: 'Credits this line adds; the lines sum to the cost.', example: 256 })
  credits!: number;
  @ApiProperty({ example: 'video.generate/variant/standard' })
  rule!: string;
  @ApiPropertyOptional({ description: 'Set when the value on this line is an assumption of the rules.' })
  assumption?: string;
}

export class DecisionSchema {
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ description: 'Credits, exact (0.5 stays 0.5). A denial still reports what it would cost.', example: 256 })
  cost!: number;
  @ApiProperty({ description: 'The same cost as integer millicredits.', example: 256000 })
  costMillicredits!: number;
  @ApiProperty({ description: 'True for free actions.' }) exempt!: boolean;
  @ApiProperty() requiresConfirmation!: boolean;
  @ApiProperty({ type: [ReasonSchema] }) reasons!: ReasonSchema[];
  @ApiProperty({ type: [BreakdownLineSchema] }) breakdown!: BreakdownLineSchema[];
  @ApiProperty({ description: 'The rule-set version that priced it.' }) rulesetVersion!: string;
}

export class ProblemSchema {
  @ApiProperty({ example: 'https://ratecard.dev/problems/insufficient-credits' }) type!: string;
  @ApiProperty({ example: 'Insufficient credits' }) title!: string;
  @ApiProperty({ example: 402 }) status!: number;
  @ApiProperty({ example: 'INSUFFICIENT_CREDITS' }) code!: string;
  @ApiProperty({ example: 'costs 256 credits and the balance is 100' }) detail!: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiPropertyOptional({ type: DecisionSchema, description: 'For denials: the decision.' }) decision?: DecisionSchema;
  @ApiPropertyOptional({ description: 'For invalid requests: each problem field.' }) errors?: { field: string; message: string }[];
}

export class UsageSchema {
  @ApiProperty() action!: string;
  @ApiProperty() used!: number;
  @ApiProperty({ nullable: true, type: Number }) quota!: number | null;
  @ApiProperty({ nullable: true, type: Number }) left!: number | null;
}

export class GrantSchema {
  @ApiProperty({ example: 'gr_Qm1x0aZr2sV9xY1b' }) id!: string;
  @ApiProperty({ enum: ['allowance', 'upgrade', 'rollover', 'pack', 'goodwill', 'refund'], description: 'Where the credits came from.' }) source!: string;
  @ApiProperty({ enum: ['live', 'used', 'expired'] }) status!: string;
  @ApiProperty({ description: 'Credits granted.', example: 500 }) amount!: number;
  @ApiProperty() amountMillicredits!: number;
  @ApiProperty({ description: 'Credits left.', example: 320 }) remaining!: number;
  @ApiProperty() remainingMillicredits!: number;
  @ApiProperty({ description: 'Lower is drawn first; then the soonest expiry, then the oldest.', example: 100 }) priority!: number;
  @ApiProperty({ nullable: true, type: String, description: 'When what is left expires; null: never.' }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'For allowances: the plan.' }) plan!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'For packs: the pack id.' }) pack!: string | null;
  @ApiProperty() reason!: string;
  @ApiProperty({ nullable: true, type: String }) rulesetVersion!: string | null;
  @ApiProperty() createdAt!: string;
}

export class GrantPageSchema {
  @ApiProperty({ type: [GrantSchema] }) items!: GrantSchema[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page.' }) next!: string | null;
}

export class AllocationSchema {
  @ApiProperty() grantId!: string;
  @ApiProperty({ description: 'Credits moved from (negative) or to (positive) the grant.', example: -18 }) amount!: number;
  @ApiProperty() amountMillicredits!: number;
}

export class AccountSchema {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'basic' }) plan!: string;
  @ApiProperty({ example: 'Basic' }) planName!: string;
  @ApiProperty({ nullable: true, type: String, description: 'A downgrade waiting for the next billing date.' }) pendingPlan!: string | null;
  @ApiProperty({ example: 24 }) billingAnchor!: number;
  @ApiProperty({ description: 'Spendable credits.', example: 1218 }) balance!: number;
  @ApiProperty({ example: 1218000 }) balanceMillicredits!: number;
  @ApiProperty({ description: 'Credits reserved by active holds.' }) held!: number;
  @ApiProperty() heldMillicredits!: number;
  @ApiProperty({ example: { start: '2026-11-24T00:00:00.000Z', end: '2026-12-24T00:00:00.000Z' } }) cycle!: { start: string; end: string };
  @ApiProperty({ example: { credits: 1500, assumed: false } }) allowance!: { credits: number; assumed: boolean; assumption?: string };
  @ApiProperty({ type: [UsageSchema] }) usage!: UsageSchema[];
  @ApiProperty({ type: [GrantSchema], description: 'The live grants, in the order they are drawn; their remaining credits sum to the balance.' }) grants!: GrantSchema[];
  @ApiProperty() createdAt!: string;
  @ApiProperty() rulesetVersion!: string;
}

export class GrantedSchema extends AccountSchema {
  @ApiProperty({ type: GrantSchema, description: 'The grant just made.' }) grant!: GrantSchema;
}

export class EntrySchema {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ['grant', 'debit', 'hold', 'capture', 'release', 'refund', 'expiry', 'rollover'] }) kind!: string;
  @ApiProperty({ description: 'Signed change of the spendable balance.', example: -256 }) amount!: number;
  @ApiProperty() amountMillicredits!: number;
  @ApiProperty() balanceAfter!: number;
  @ApiProperty() balanceAfterMillicredits!: number;
  @ApiProperty() cycleStart!: string;
  @ApiProperty({ nullable: true, type: String }) action!: string | null;
  @ApiProperty({ nullable: true, type: String }) chargeId!: string | null;
  @ApiProperty({ nullable: true, type: String }) holdId!: string | null;
  @ApiProperty({ nullable: true, type: String }) plan!: string | null;
  @ApiProperty({ nullable: true, type: String }) rulesetVersion!: string | null;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: [AllocationSchema], description: 'Which grants the entry moved credits from or to.' }) allocations!: AllocationSchema[];
  @ApiProperty() createdAt!: string;
}

export class EntryPageSchema {
  @ApiProperty({ type: [EntrySchema] }) items!: EntrySchema[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `cursor` for the next page.' }) next!: number | null;
}

export class ChargeSchema {
  @ApiProperty({ example: 'ch_4kJm0PZr2sV9xY1a' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ example: 256 }) cost!: number;
  @ApiProperty() costMillicredits!: number;
  @ApiProperty() rulesetVersion!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'The debit ledger entry (none for a free action).' }) entryId!: number | null;
  @ApiProperty({ nullable: true, type: String }) holdId!: string | null;
  @ApiProperty({ description: 'Spendable balance right after the charge.' }) balance!: number;
  @ApiProperty() balanceMillicredits!: number;
  @ApiPropertyOptional({ type: DecisionSchema }) decision?: DecisionSchema;
  @ApiProperty() createdAt!: string;
}

export class ChargeDetailSchema extends ChargeSchema {
  @ApiProperty({ description: 'Credits refunded from the charge so far.' }) refunded!: number;
  @ApiProperty() refundedMillicredits!: number;
  @ApiProperty({ type: [AllocationSchema], description: 'The grants that paid the charge (negative amounts).' }) paidBy!: AllocationSchema[];
}

export class HoldSchema {
  @ApiProperty({ example: 'hold_Qm1x0aZr2sV9xY1b' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ description: 'Credits reserved.' }) amount!: number;
  @ApiProperty() amountMillicredits!: number;
  @ApiProperty({ enum: ['active', 'captured', 'released', 'expired'] }) status!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() rulesetVersion!: string;
  @ApiProperty({ nullable: true, type: String }) chargeId!: string | null;
  @ApiProperty() balance!: number;
  @ApiProperty() balanceMillicredits!: number;
  @ApiPropertyOptional({ type: DecisionSchema }) decision?: DecisionSchema;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) closedAt!: string | null;
}

export class CaptureResultSchema {
  @ApiProperty({ type: ChargeSchema }) charge!: ChargeSchema;
  @ApiProperty({ type: HoldSchema }) hold!: HoldSchema;
}

export class RefundSchema {
  @ApiProperty() chargeId!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() refunded!: number;
  @ApiProperty() refundedMillicredits!: number;
  @ApiProperty({ description: 'Everything refunded from the charge so far.' }) refundedTotal!: number;
  @ApiProperty({ description: 'What can still be refunded.' }) remaining!: number;
  @ApiProperty() entryId!: number;
  @ApiProperty() balance!: number;
  @ApiProperty() balanceMillicredits!: number;
  @ApiProperty() createdAt!: string;
}

export class KeySchema {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['service', 'admin', 'auditor'] }) role!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
}

export class CreatedKeySchema extends KeySchema {
  @ApiProperty({ description: 'The key itself. Shown only now; store it.' }) key!: string;
}
