import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DecisionSchema, DiagnosticSchema, SourceLocationSchema } from '../http/schemas';
import { MismatchSchema } from './rulesets.schemas';

/** Response shapes of the rule workbench (validate, test, quote, diff of files), for the OpenAPI document. */

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

export class CaseResultSchema {
  @ApiProperty({ example: 'a chat edit costs half a credit, exactly' }) note!: string;
  @ApiProperty({ type: SourceLocationSchema }) location!: SourceLocationSchema;
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

