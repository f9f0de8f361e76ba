import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DecisionSchema } from '../http/schemas';

/** Response shapes of the rule workbench (validate, test, quote, diff of files), for the OpenAPI document. */

export class LocationSchema {
  @ApiProperty({ example: 'images.yaml' }) file!: string;
  @ApiProperty({ example: 22, description: '1-based' }) line!: number;
  @ApiProperty({ example: 9, description: '1-based' }) column!: number;
  @ApiProperty({ example: 'actions["image.generate"].price.variants["flux-pro"]' }) path!: string;
}

export class DiagnosticSchema {
  @ApiProperty({ enum: ['error', 'warning'] }) severity!: string;
  @ApiProperty({ example: 'unknown-plan' }) code!: string;
  @ApiProperty({ example: '`gold+` names no plan on the ladder' }) message!: string;
  @ApiPropertyOptional({ type: LocationSchema }) location?: LocationSchema;
  @ApiPropertyOptional({ example: 'plans are `basic`, `pro`, `premium`' }) hint?: string;
  @ApiPropertyOptional({ type: LocationSchema }) related?: LocationSchema;
}

export class CatalogueParamSchema {
  @ApiProperty({ example: 'model' }) name!: string;
  @ApiProperty({ enum: ['string', 'integer', 'number', 'boolean'] }) type!: string;
  @ApiPropertyOptional({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } }) values?: unknown[];
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }) default?: unknown;
  @ApiPropertyOptional() min?: number;
  @ApiPropertyOptional() max?: number;
  @ApiPropertyOptional({ example: 's' }) unit?: string;
}

export class CatalogueActionSchema {
  @ApiProperty({ example: 'image.generate' }) id!: string;
  @ApiProperty({ example: 'Image generation' }) name!: string;
  @ApiProperty({ type: [CatalogueParamSchema] }) params!: CatalogueParamSchema[];
}

export class CatalogueSchema {
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } }) plans!: { id: string; name: string }[];
  @ApiProperty({ type: [CatalogueActionSchema] }) actions!: CatalogueActionSchema[];
}

export class ValidationSchema {
  @ApiProperty({ description: 'True when no diagnostic is an error: the files would publish.' }) valid!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'The version the files would have once published (their content hash).' }) version!: string | null;
  @ApiProperty({ type: [DiagnosticSchema], description: 'Every problem of the rule files and the case files, as `ratecard validate` and `ratecard test` report them.' }) diagnostics!: DiagnosticSchema[];
  @ApiProperty({ example: 6 }) ruleFiles!: number;
  @ApiProperty({ example: 20 }) actions!: number;
  @ApiProperty({ example: 3 }) plans!: number;
  @ApiProperty({ nullable: true, type: CatalogueSchema, description: 'The plans and actions with their parameters, when the files compile: what a request to these rules can name.' }) catalogue!: CatalogueSchema | null;
}

export class MismatchSchema {
  @ApiProperty({ example: 'cost' }) field!: string;
  @ApiProperty({ example: '0.5' }) want!: string;
  @ApiProperty({ example: '0.75' }) got!: string;
}

export class CaseResultSchema {
  @ApiProperty({ example: 'a chat edit costs half a credit, exactly' }) note!: string;
  @ApiProperty({ type: LocationSchema }) location!: LocationSchema;
  @ApiProperty() plan!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty() pass!: boolean;
  @ApiProperty({ type: [MismatchSchema], description: 'What the case expected and what the rules gave, field by field (empty when it passes).' }) mismatches!: MismatchSchema[];
  @ApiProperty({ type: DecisionSchema }) decision!: DecisionSchema;
}

export class TestReportSchema {
  @ApiProperty() version!: string;
  @ApiProperty() passed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [CaseResultSchema] }) results!: CaseResultSchema[];
  @ApiProperty({ type: [DiagnosticSchema], description: 'Problems of the case files.' }) diagnostics!: DiagnosticSchema[];
}

export class RuleChangeSchema {
  @ApiProperty({ example: 'price-increase' }) kind!: string;
  @ApiProperty({ example: 'chat.edit' }) subject!: string;
  @ApiProperty({ example: '`chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)' }) summary!: string;
  @ApiProperty({ enum: ['tightened', 'loosened', 'neutral'] }) direction!: string;
  @ApiPropertyOptional({ type: LocationSchema }) before?: LocationSchema;
  @ApiPropertyOptional({ type: LocationSchema }) after?: LocationSchema;
}

export class RuleSetDiffSchema {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ description: 'True when both sides mean the same (formatting, comments and key order do not count).' }) identical!: boolean;
  @ApiProperty({ type: [RuleChangeSchema] }) rules!: RuleChangeSchema[];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Every plan × action × parameter cell whose price or outcome changed: `{ action, plan, params, before, after }`.' }) cells!: object[];
  @ApiProperty() cellsCompared!: number;
}
