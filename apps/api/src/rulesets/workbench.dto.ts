import { VERSION_NAME, VERSION_NAME_HELP } from '@ratecard/ledger';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsNumber, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { SourceFileDto } from '../http/dto';


/** Files of a rule set that is not (yet) a version: a draft being edited. */
export class FilesDto {
  @ApiProperty({ type: [SourceFileDto], description: 'The rule files (and case files, for `test`).' })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files!: SourceFileDto[];
}

export class DiffFilesDto extends FilesDto {
  @ApiProperty({ description: 'The published version to compare the files with (id or unique prefix).' })
  @IsString()
  @Matches(VERSION_NAME, { message: `from must be ${VERSION_NAME_HELP}` })
  from!: string;
}

export class QuoteDto {
  @ApiPropertyOptional({ type: [SourceFileDto], description: 'Rule files to price with (or give `version`).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files?: SourceFileDto[];

  @ApiPropertyOptional({ description: 'A published version to price with (or give `files`).' })
  @IsOptional()
  @IsString()
  @Matches(VERSION_NAME, { message: `version must be ${VERSION_NAME_HELP}` })
  version?: string;

  @ApiProperty({ example: 'pro' })
  @IsString()
  @Length(1, 64)
  plan!: string;

  @ApiProperty({ example: 'image.generate' })
  @IsString()
  @Length(1, 128)
  action!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { model: 'flux-pro' } })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ description: "Spendable credits (at most three decimals); the plan's allowance when absent.", example: 1500 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1_000_000_000)
  balance?: number;

  @ApiPropertyOptional({ description: 'Quota usage this cycle per action.', type: 'object', additionalProperties: { type: 'integer' }, example: { 'site.generate': 1 } })
  @IsOptional()
  @IsObject()
  used?: Record<string, number>;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  confirm?: boolean;
}
