import { VERSION_NAME, VERSION_NAME_HELP } from '@ratecard/ledger';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { SourceFileDto } from '../http/dto';

export class CreateDraftDto {
  @ApiProperty({ example: 'chat edits at 0.75 cr' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ description: 'The published version to start from (id or unique prefix); the active version when neither `from` nor `files` is given.' })
  @IsOptional()
  @IsString()
  @Matches(VERSION_NAME, { message: `from must be ${VERSION_NAME_HELP}` })
  from?: string;

  @ApiPropertyOptional({ type: [SourceFileDto], description: 'Or start from these files.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files?: SourceFileDto[];
}

export class ReviseDraftDto {
  @ApiProperty({ description: 'The revision the change was made on: the latest, or the save is a 409 DRAFT_CONFLICT.', example: 1 })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  baseRevision!: number;

  @ApiPropertyOptional({ type: [SourceFileDto], description: 'Files to add or replace; the others stay as they are.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files?: SourceFileDto[];

  @ApiPropertyOptional({ type: [String], description: 'Paths of files to remove.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  remove?: string[];

  @ApiPropertyOptional({ example: 'chat edit 0.75 cr; cases updated' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  message?: string;
}

export class DraftQuery {
  @ApiPropertyOptional({ description: 'Show this revision instead of the latest.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  revision?: number;
}
