import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SourceLocationSchema } from '../http/schemas';

/** Response shapes of a version's views (rule locations, plan grid), for the OpenAPI document; the price table's are in table.schemas.ts. */

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
