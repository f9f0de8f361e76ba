import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CreditRange, OfferedPromotion, OffersTable, PriceRow, PriceTable } from '@ratecard/engine';

/**
 * The price table of `GET /v1/rulesets/{version}/table` for the OpenAPI document: the engine's
 * `PriceTable` as it is, each shape a class that implements the engine's type.
 */

type Item<T> = T extends readonly (infer U)[] ? U : never;
type Same<T> = T;

export class CreditRangeSchema implements CreditRange {
  @ApiProperty({ example: 272 }) min!: number;
  @ApiProperty({ example: 304 }) max!: number;
}

export class PriceRateSchema implements NonNullable<PriceRow['rate']> {
  @ApiProperty({ description: 'Credits per unit.', example: 32 }) credits!: number;
  @ApiProperty({ enum: ['request', 'message', 'edit', 'second', '1k-tokens'] }) unit!: NonNullable<PriceRow['rate']>['unit'];
  @ApiPropertyOptional({ description: 'The metered parameter.', example: 'seconds' }) per?: string;
}

export class PriceOptionSchema implements NonNullable<PriceRow['option']> {
  @ApiProperty({ example: 'resolution' }) param!: string;
  @ApiProperty({ type: [String], example: ['2k'] }) values!: string[];
}

export class PriceExampleSchema implements NonNullable<PriceRow['example']> {
  @ApiProperty({ example: 256 }) credits!: number;
  @ApiPropertyOptional({ example: 8 }) quantity?: number;
  @ApiPropertyOptional({ example: 's' }) unit?: string;
  @ApiProperty({ example: '256 cr for 8 s' }) text!: string;
}

export class PricePhaseSchema implements Item<NonNullable<PriceRow['phases']>> {
  @ApiProperty({ example: 'Generate' }) label!: string;
  @ApiProperty({ example: 'site.generate' }) action!: string;
  @ApiProperty({ type: CreditRangeSchema }) range!: CreditRangeSchema;
}

export class PriceRowSchema implements PriceRow {
  @ApiProperty({ description: 'The action id (the internal view shows it; the customer view never does).' }) action!: string;
  @ApiProperty({ enum: ['rate', 'variant', 'multiplier', 'composite', 'condition'] }) kind!: PriceRow['kind'];
  @ApiProperty({ example: 'Flux Pro' }) item!: string;
  @ApiProperty({ description: 'As shown: `18 cr`, `0.5 cr per edit`, `2× base`, `272–304 cr`.', example: '16 cr' }) credits!: string;
  @ApiPropertyOptional({ type: PriceRateSchema, description: 'Rate and variant rows: the rate, its unit and the metered parameter.' }) rate?: PriceRateSchema;
  @ApiPropertyOptional({ description: 'Multiplier rows: the factor.', example: 2 }) factor?: number;
  @ApiPropertyOptional({ type: PriceOptionSchema, description: 'Multiplier rows: the parameter values the factor applies to.' }) option?: PriceOptionSchema;
  @ApiPropertyOptional({ type: CreditRangeSchema, description: 'Composites: every price over the combinations and plans; multiplier rows: over the variants.' }) range?: CreditRangeSchema;
  @ApiPropertyOptional({ type: PriceExampleSchema, description: 'A concrete price at the defaults.' }) example?: PriceExampleSchema;
  @ApiPropertyOptional({ type: [PricePhaseSchema], description: 'Composites: each phase and the range of its price.' }) phases?: PricePhaseSchema[];
  @ApiProperty({ description: 'Who may use it: `all plans`, `Pro+`, `not offered`.', example: 'Pro+' }) plans!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The lowest plan that may use it; null when every plan may.' }) lowestPlan!: string | null;
  @ApiProperty() isDefault!: boolean;
  @ApiProperty({ type: [String], description: 'Notes a customer reads.' }) notes!: string[];
  @ApiProperty({ type: [String], description: 'Notes for the PM only: conditions as written, confirmation texts, ids.' }) internalNotes!: string[];
  @ApiProperty({ type: [Number], description: 'Footnote numbers of the assumptions the row relies on (internal only).' }) assumptions!: number[];
}

export class PriceGroupSchema implements Item<PriceTable['groups']> {
  @ApiProperty({ example: 'Images' }) name!: string;
  @ApiProperty({ type: [PriceRowSchema] }) rows!: PriceRowSchema[];
}

export class PlanQuotaSchema implements Item<Item<PriceTable['plans']>['quotas']> {
  @ApiProperty({ example: 'site.generate' }) action!: string;
  @ApiProperty({ example: 'Full site generation' }) name!: string;
  @ApiProperty({ description: 'Uses per billing cycle.', example: 2 }) count!: number;
}

export class PricePlanSchema implements Item<PriceTable['plans']> {
  @ApiProperty({ example: 'basic' }) id!: string;
  @ApiProperty({ example: 'Basic' }) name!: string;
  @ApiProperty({ description: 'Credits granted each billing cycle.', example: 1500 }) allowance!: number;
  @ApiProperty({ type: [PlanQuotaSchema] }) quotas!: PlanQuotaSchema[];
  @ApiProperty({ type: [Number], description: 'Footnote numbers of its assumptions.' }) assumptions!: number[];
}

export class CyclePolicySchema implements Same<PriceTable['cyclePolicy']> {
  @ApiProperty({ enum: ['monthly'] }) period!: 'monthly';
  @ApiProperty({ enum: ['expire', 'roll-over'], description: 'What happens to unused credits at the end of a cycle.' }) unused!: 'expire' | 'roll-over';
  @ApiProperty({ enum: ['carry-over', 'expire'], description: 'What happens to unused credits on a mid-cycle upgrade.' }) upgrade!: 'carry-over' | 'expire';
  @ApiProperty({ enum: ['full', 'difference'], description: "How much a mid-cycle upgrade grants: the new plan's full allowance, or the difference." }) upgradeGrant!: 'full' | 'difference';
  @ApiProperty({ enum: ['next-cycle', 'immediate'], description: 'When a downgrade takes effect.' }) downgrade!: 'next-cycle' | 'immediate';
}

export class DeductedGroupSchema implements Item<PriceTable['deducted']> {
  @ApiProperty({ example: 'Images' }) group!: string;
  @ApiProperty({ type: [String], example: ['image.generate'] }) actions!: string[];
}

export class FreeActionSchema implements Item<PriceTable['free']> {
  @ApiProperty() action!: string;
  @ApiProperty() name!: string;
  @ApiProperty() reason!: string;
}

export class IncludedUsageSchema implements Item<OffersTable['included']> {
  @ApiProperty({ example: 'pro' }) plan!: string;
  @ApiProperty({ example: 'Pro' }) planName!: string;
  @ApiProperty({ example: 'site.generate' }) action!: string;
  @ApiProperty({ example: 'Full site generation' }) actionName!: string;
  @ApiProperty({ description: 'Requests per billing cycle that cost nothing.', example: 1 }) count!: number;
}

export class OfferedPromotionSchema implements OfferedPromotion {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'Black Friday' }) label!: string;
  @ApiProperty({ description: 'Inclusive, UTC.', example: '2026-11-27T00:00:00.000Z' }) from!: string;
  @ApiProperty({ description: 'Exclusive, UTC.', example: '2026-12-01T00:00:00.000Z' }) until!: string;
  @ApiPropertyOptional({ enum: ['running', 'upcoming'], description: 'At the time of the request.' }) status?: 'running' | 'upcoming';
  @ApiProperty({ example: '50% off' }) discount!: string;
  @ApiProperty({ type: [String], example: ['Video generation'] }) appliesTo!: string[];
  @ApiProperty({ example: 'all plans' }) plans!: string;
  @ApiPropertyOptional() note?: string;
}

export class OfferedPackSchema implements Item<OffersTable['packs']> {
  @ApiProperty({ example: 'boost-500' }) id!: string;
  @ApiProperty({ example: 'Boost 500' }) name!: string;
  @ApiProperty({ example: 500 }) credits!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Days the credits stay valid; null: they never expire.', example: 90 }) validDays!: number | null;
  @ApiPropertyOptional({ example: 'USD 9.99' }) price?: string;
  @ApiPropertyOptional() note?: string;
}

export class OffersSchema implements OffersTable {
  @ApiProperty({ type: [IncludedUsageSchema], description: 'Per plan, the requests per billing cycle that cost nothing.' }) included!: IncludedUsageSchema[];
  @ApiProperty({ type: [OfferedPromotionSchema], description: 'Promotions running or upcoming now, in the order written (ended ones left out).' }) promotions!: OfferedPromotionSchema[];
  @ApiProperty({ type: [OfferedPackSchema], description: 'The credit packs sold.' }) packs!: OfferedPackSchema[];
}

export class AssumptionSchema implements Item<PriceTable['assumptions']> {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiProperty({ example: 'Pro allowance' }) about!: string;
  @ApiProperty() text!: string;
}

export class PriceTableSchema implements PriceTable {
  @ApiProperty() rulesetVersion!: string;
  @ApiProperty({ type: [PricePlanSchema] }) plans!: PricePlanSchema[];
  @ApiProperty({ type: [String], description: 'The billing-cycle policy in words.' }) cycle!: string[];
  @ApiProperty({ type: CyclePolicySchema, description: 'The billing-cycle policy as data.' }) cyclePolicy!: CyclePolicySchema;
  @ApiProperty({ type: [DeductedGroupSchema], description: 'Credits are deducted when you use these, by section.' }) deducted!: DeductedGroupSchema[];
  @ApiProperty({ type: [PriceGroupSchema], description: "Sections in the rules' order." }) groups!: PriceGroupSchema[];
  @ApiProperty({ type: [FreeActionSchema], description: 'Credits are not deducted for these.' }) free!: FreeActionSchema[];
  @ApiProperty({ type: OffersSchema }) offers!: OffersSchema;
  @ApiProperty({ type: [AssumptionSchema], description: 'Values the source price list does not give, assumed by the rules: internal only.' }) assumptions!: AssumptionSchema[];
}
