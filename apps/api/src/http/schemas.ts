import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { REASON_CODES, type Alternative } from '@ratecard/engine';

/**
 * Response shapes, for the OpenAPI document: each declared once and used by every route that
 * returns it. test/api/openapi-responses checks real responses of every route against them, with
 * every object closed: a field a route returns must be listed here.
 */

/** An object whose members are data (an action's `params`): open by design. */
const FREE_FORM = { type: 'object', additionalProperties: true } as const;

export class ReasonSchema {
  @ApiProperty({ enum: REASON_CODES, description: 'A closed set; the first in this order decides a denied charge\'s status.' })
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

/** A parameter value: what a rule's parameter takes. */
const PARAM_VALUE = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };

/** One alternative of each kind, each a class that implements the engine's type (libs/engine/src/alternatives.ts). */
type AlternativeOf<K extends Alternative['kind']> = Extract<Alternative, { kind: K }>;

export class ChangeParamsAlternativeSchema implements AlternativeOf<'change-params'> {
  @ApiProperty({ enum: ['PLAN_REQUIRED'], description: 'The reason this alternative answers.' }) reason!: 'PLAN_REQUIRED';
  @ApiProperty({ enum: ['change-params'], description: 'The cheapest request this plan may make that changes as few parameters as possible.' }) kind!: 'change-params';
  @ApiProperty({ type: 'object', additionalProperties: PARAM_VALUE, description: 'Only the parameters to change, with their new values.', example: { model: 'flux-schnell' } })
  params!: Record<string, string | number | boolean>;
  @ApiProperty({ description: 'What the changed request costs, in credits.', example: 4 }) cost!: number;
  @ApiProperty({ example: 4000 }) costMillicredits!: number;
  @ApiProperty({ example: 'model `flux-schnell` instead: 4 cr on Basic' }) message!: string;
}

export class UpgradeAlternativeSchema implements AlternativeOf<'upgrade'> {
  @ApiProperty({ enum: ['PLAN_REQUIRED'], description: 'The reason this alternative answers.' }) reason!: 'PLAN_REQUIRED';
  @ApiProperty({ enum: ['upgrade'], description: 'The lowest plan that allows the request as asked.' }) kind!: 'upgrade';
  @ApiProperty({ description: 'The plan id.', example: 'pro' }) plan!: string;
  @ApiProperty({ description: 'What the request costs on that plan, in credits.', example: 16 }) cost!: number;
  @ApiProperty({ example: 16000 }) costMillicredits!: number;
  @ApiProperty({ example: 'upgrade to Pro: 16 cr as asked' }) message!: string;
}

export class TopUpAlternativeSchema implements AlternativeOf<'top-up'> {
  @ApiProperty({ enum: ['INSUFFICIENT_CREDITS'], description: 'The reason this alternative answers.' }) reason!: 'INSUFFICIENT_CREDITS';
  @ApiProperty({ enum: ['top-up'], description: 'Buy credits: how many are missing, and the smallest pack that covers them.' }) kind!: 'top-up';
  @ApiProperty({ description: 'Credits missing.', example: 156 }) shortfall!: number;
  @ApiProperty({ example: 156000 }) shortfallMillicredits!: number;
  @ApiPropertyOptional({ description: 'The smallest pack of the rules that covers the shortfall (absent when none does).', example: 'pack-500' }) pack?: string;
  @ApiProperty({ example: '156 cr short: buy 500 credits (500 cr, $5)' }) message!: string;
}

export class WaitAlternativeSchema implements AlternativeOf<'wait'> {
  @ApiProperty({ enum: ['QUOTA_EXCEEDED'], description: 'The reason this alternative answers.' }) reason!: 'QUOTA_EXCEEDED';
  @ApiProperty({ enum: ['wait'], description: 'The quota resets at the next billing date.' }) kind!: 'wait';
  @ApiPropertyOptional({ description: 'The next billing date (absent when the account is not known, as in a workbench quote).', example: '2026-04-20T00:00:00.000Z' }) resetsAt?: string;
  @ApiProperty({ example: 'the quota resets at the next billing date, 2026-04-20T00:00:00.000Z' }) message!: string;
}

export class ConfirmAlternativeSchema implements AlternativeOf<'confirm'> {
  @ApiProperty({ enum: ['CONFIRMATION_REQUIRED'], description: 'The reason this alternative answers.' }) reason!: 'CONFIRMATION_REQUIRED';
  @ApiProperty({ enum: ['confirm'], description: 'Send the same request with `confirm: true`.' }) kind!: 'confirm';
  @ApiProperty({ example: 'send the same request with `confirm: true`' }) message!: string;
}

const ALTERNATIVE_SCHEMAS = {
  'change-params': ChangeParamsAlternativeSchema,
  upgrade: UpgradeAlternativeSchema,
  'top-up': TopUpAlternativeSchema,
  wait: WaitAlternativeSchema,
  confirm: ConfirmAlternativeSchema,
} satisfies Record<Alternative['kind'], new () => Alternative>;

/** One alternative, told apart by `kind`. */
const ALTERNATIVE = {
  oneOf: Object.values(ALTERNATIVE_SCHEMAS).map((s) => ({ $ref: getSchemaPath(s) })),
  discriminator: { propertyName: 'kind', mapping: Object.fromEntries(Object.entries(ALTERNATIVE_SCHEMAS).map(([kind, s]) => [kind, getSchemaPath(s)])) },
};

@ApiExtraModels(...Object.values(ALTERNATIVE_SCHEMAS))
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
  @ApiPropertyOptional({
    type: 'array',
    items: ALTERNATIVE,
    description: 'On every denial (absent when allowed): what the caller could do instead, the next best option for each reason in the order of the reasons (none for a reason with nothing to offer, such as UNKNOWN_ACTION).',
  })
  alternatives?: Alternative[];
}

export class FieldErrorSchema {
  @ApiProperty({ example: 'ttlSeconds' }) field!: string;
  @ApiProperty({ example: 'ttlSeconds must not be less than 1' }) message!: string;
}

export class SourceLocationSchema {
  @ApiProperty({ example: 'rules/images.yaml' }) file!: string;
  @ApiProperty() line!: number;
  @ApiProperty() column!: number;
  @ApiProperty({ description: 'YAML path; empty for the whole file.' }) path!: string;
}

export class DiagnosticSchema {
  @ApiProperty({ enum: ['error', 'warning'] }) severity!: string;
  @ApiProperty({ example: 'unknown-plan' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: SourceLocationSchema }) location?: SourceLocationSchema;
  @ApiPropertyOptional() hint?: string;
  @ApiPropertyOptional({ type: SourceLocationSchema }) related?: SourceLocationSchema;
}

export class UsageSchema {
  @ApiProperty() action!: string;
  @ApiProperty() used!: number;
  @ApiProperty({ nullable: true, type: Number }) quota!: number | null;
  @ApiProperty({ nullable: true, type: Number }) left!: number | null;
}

export class CycleSchema {
  @ApiProperty({ example: '2026-11-24T00:00:00.000Z' }) start!: string;
  @ApiProperty({ example: '2026-12-24T00:00:00.000Z' }) end!: string;
}

export class AllowanceSchema {
  @ApiProperty({ example: 1500 }) credits!: number;
  @ApiProperty({ description: 'The rules mark the allowance as an assumption.' }) assumed!: boolean;
  @ApiPropertyOptional({ description: 'What is assumed.' }) assumption?: string;
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
  @ApiProperty({ type: () => CycleSchema }) cycle!: CycleSchema;
  @ApiProperty({ type: () => AllowanceSchema }) allowance!: AllowanceSchema;
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
  @ApiProperty(FREE_FORM) params!: Record<string, unknown>;
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
  @ApiProperty({ description: 'Credits refunded from this charge so far.' }) refunded!: number;
  @ApiProperty() refundedMillicredits!: number;
  @ApiProperty({ type: [AllocationSchema], description: 'The grants that paid the charge (negative amounts).' }) paidBy!: AllocationSchema[];
}

export class HoldSchema {
  @ApiProperty({ example: 'hold_Qm1x0aZr2sV9xY1b' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() action!: string;
  @ApiProperty(FREE_FORM) params!: Record<string, unknown>;
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

export class PlanChangeSchema {
  @ApiProperty({ enum: ['upgrade', 'downgrade', 'same'] }) kind!: string;
  @ApiProperty({ enum: ['now', 'next-cycle'] }) effective!: string;
  @ApiProperty({ enum: ['carry-over', 'expire'], description: 'For a change effective now: what happens to unused credits.' }) unused!: string;
  @ApiProperty({ description: 'Millicredits granted now.' }) grantMc!: number;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
}

export class PlanChangeResultSchema {
  @ApiProperty({ type: AccountSchema }) account!: AccountSchema;
  @ApiProperty({ type: PlanChangeSchema }) change!: PlanChangeSchema;
}

export class WhoamiSchema {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['service', 'admin', 'auditor'] }) role!: string;
}

export class HealthSchema {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status!: string;
  @ApiProperty({ enum: ['up', 'down'] }) database!: string;
  @ApiProperty({ example: '80a7baa6bbe2…' }) rulesetVersion!: string;
}
