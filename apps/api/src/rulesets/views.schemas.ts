import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SourceLocationSchema } from '../http/schemas';

/** Response shapes of a version's views (rule locations, price table, plan grid), for the OpenAPI document. */

export class RuleLocationSchema {
  @ApiProperty({ example: 'image.generate/variant/flux-pro', description: 'The id receipt lines and reasons carry in `rule`.' }) rule!: string;
  @ApiProperty({ example: 'image.generate', description: 'The action or plan it belongs to.' }) subject!: string;
  @ApiProperty({ type: SourceLocationSchema, description: "Where the version's own files write it." }) location!: SourceLocationSchema;
}

export class RuleLocationsSchema {
  @ApiProperty() version!: string;
  @ApiProperty({ type: [RuleLocationSchema] }) rules!: RuleLocationSchema[];
}

export class GridReasonSchema {
  @ApiProperty({ example: 'PLAN_REQUIRED' }) code!: string;
  @ApiProperty({ example: 'model `flux-pro` needs the Pro plan or higher' }) message!: string;
  @ApiPropertyOptional() rule?: string;
  @ApiPropertyOptional({ example: 'pro' }) requiredPlan?: string;
}

export class GridCellSchema {
  @ApiProperty({ example: 'basic' }) plan!: string;
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ description: 'Credits; a denied option still shows what it would cost.' }) cost!: number;
  @ApiProperty() costMillicredits!: number;
  @ApiProperty({ type: [GridReasonSchema], description: 'Why not, when denied by the rules.' }) reasons!: GridReasonSchema[];
  @ApiProperty({ nullable: true, type: Number, description: "The plan's count per billing cycle for the action." }) quota!: number | null;
}

export class GridOptionSchema {
  @ApiProperty({ example: 'model' }) param!: string;
  @ApiProperty({ example: 'flux-pro', oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }) value!: unknown;
  @ApiProperty() isDefault!: boolean;
}

export class GridRowSchema {
  @ApiProperty() action!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) group!: string | null;
  @ApiProperty({ nullable: true, type: GridOptionSchema, description: 'The parameter value this row sets (others at their defaults); null for the action at its defaults.' }) option!: GridOptionSchema | null;
  @ApiProperty() requiresConfirmation!: boolean;
  @ApiProperty() exempt!: boolean;
  @ApiProperty({ type: [GridCellSchema], description: 'One per plan, in ladder order.' }) cells!: GridCellSchema[];
}

export class GridPlanSchema {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

export class PlanGridSchema {
  @ApiProperty() rulesetVersion!: string;
  @ApiProperty({ type: [GridPlanSchema] }) plans!: GridPlanSchema[];
  @ApiProperty({ type: [GridRowSchema] }) rows!: GridRowSchema[];
}

export class PriceRowSchema {
  @ApiProperty() action!: string;
  @ApiProperty({ example: 'Flux Pro' }) item!: string;
  @ApiProperty({ example: '16 cr' }) credits!: string;
  @ApiProperty({ example: 'Pro+' }) plans!: string;
  @ApiProperty({ type: [String] }) notes!: string[];
  @ApiProperty({ type: [Number], description: 'Footnote numbers of the assumptions the row relies on.' }) assumptions!: number[];
  @ApiPropertyOptional({ example: { min: 272, max: 304 } }) range?: { min: number; max: number };
}

export class PriceGroupSchema {
  @ApiProperty({ example: 'Images' }) name!: string;
  @ApiProperty({ type: [PriceRowSchema] }) rows!: PriceRowSchema[];
}

export class PriceTableSchema {
  @ApiProperty() rulesetVersion!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '`{ id, name, allowance, quotas: [{ action, count }], assumptions }` per plan.' }) plans!: object[];
  @ApiProperty({ type: [String], description: 'The billing-cycle policy in words.' }) cycle!: string[];
  @ApiProperty({ type: [PriceGroupSchema] }) groups!: PriceGroupSchema[];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '`{ action, name, reason }` of free actions.' }) free!: object[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: '`{ included: [{ plan, planName, action, actionName, count }], promotions: [{ id, label, from, until, status, discount, appliesTo, plans, note? }], packs: [{ id, name, credits, validDays, price?, note? }] }`: the JSON Schema of `ratecard table --format json` describes each.' }) offers!: object;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '`{ number, about, text }` footnotes.' }) assumptions!: object[];
}
