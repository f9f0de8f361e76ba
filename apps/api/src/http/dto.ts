import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import { parseDecisionCursor, VERSION_NAME, VERSION_NAME_HELP } from '@ratecard/ledger';
import { QueryTime, TIME_FORMS } from './query-time';
import { FastAccept } from './fast-accept';
import { FreeFormObject } from './validation';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Optional, but not null: for money, `null` is a mistake to report, not a field left out. */
const Given = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);

export class CreateAccountDto {
  @ApiPropertyOptional({ description: 'Your id for the account (letters, digits, `_.:-`, up to 64). Generated when absent.', example: 'acme-co' })
  @IsOptional()
  @IsString()
  @Matches(ID, { message: 'id must be 1-64 letters, digits, `_`, `.`, `:` or `-`, starting with a letter or digit' })
  id?: string;

  @ApiProperty({ description: 'A plan of the active rule set.', example: 'basic' })
  @IsString()
  @Length(1, 64)
  plan!: string;

  @ApiPropertyOptional({ description: 'Day of month (1-31) the billing cycle resets; defaults to today (UTC).', example: 24, minimum: 1, maximum: 31 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31)
  billingAnchor?: number;
}

export class ChangePlanDto {
  @ApiProperty({ description: 'The new plan. An upgrade applies now; a downgrade at the next billing date.', example: 'pro' })
  @IsString()
  @Length(1, 64)
  plan!: string;
}

export class GrantDto {
  @ApiProperty({ description: 'Credits to add (at most three decimals).', example: 250 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(1_000_000_000)
  amount!: number;

  @ApiProperty({ description: 'Why, for the ledger.', example: 'goodwill credit for ticket 4521' })
  @IsString()
  @Length(1, 500)
  reason!: string;

  @ApiPropertyOptional({ description: 'When what is left of the grant expires: an ISO 8601 time after now, or `never`. Default: the end of the current billing cycle.', example: '2027-03-01T00:00:00Z' })
  @Given()
  @IsString()
  @Matches(/^(never|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?)$/, { message: 'expiresAt must be an ISO 8601 time (such as `2027-03-01T00:00:00Z`) or `never`' })
  expiresAt?: string;

  @ApiPropertyOptional({ description: 'Draw priority, 0-1000: grants with a lower number are used first, then those closest to expiry. Default 100.', minimum: 0, maximum: 1000, default: 100 })
  @Given()
  @IsInt()
  @Min(0)
  @Max(1000)
  priority?: number;
}

export class PackDto {
  @ApiProperty({ description: 'A credit pack of the active rules (`packs:`), bought by the customer.', example: 'boost-500' })
  @IsString()
  @Length(1, 64)
  pack!: string;
}

/** Printable ASCII within the DTO's lengths: what ids are in practice; other strings take the full path. */
const asciiId = (max: number): Record<string, unknown> => ({ type: 'string', pattern: `^[ -~]{1,${max}}$` });

@FastAccept({
  type: 'object',
  properties: { accountId: asciiId(64), action: asciiId(128), params: { type: 'object' }, confirm: { type: 'boolean' } },
  required: ['accountId', 'action'],
  additionalProperties: false,
})
export class ActionRequestDto {
  @ApiProperty({ example: 'acme-co' })
  @IsString()
  @Length(1, 64)
  accountId!: string;

  @ApiProperty({ description: 'An action id of the active rule set.', example: 'video.generate' })
  @IsString()
  @Length(1, 128)
  action!: string;

  @ApiPropertyOptional({ description: 'The action\'s parameters; absent ones take their defaults.', example: { tier: 'standard', resolution: '1080p', seconds: 8 }, type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @FreeFormObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The user confirmed an action that requires confirmation.', example: false })
  @IsOptional()
  @IsBoolean()
  confirm?: boolean;
}

export class HoldRequestDto extends ActionRequestDto {
  @ApiPropertyOptional({ description: 'Seconds until the hold releases itself (default 900).', example: 600, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(30 * 86_400)
  ttlSeconds?: number;
}


export class CaptureDto {
  @ApiPropertyOptional({ description: 'The actual parameters: the capture charges their price, at most the hold.', example: { seconds: 6 }, type: 'object', additionalProperties: true })
  @Given()
  @IsObject()
  @FreeFormObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Or an explicit amount in credits, at most the hold.', example: 120 })
  @Given()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  amount?: number;
}

export class RefundDto {
  @ApiPropertyOptional({ description: 'Credits to refund; the whole remaining amount when absent.', example: 100 })
  @Given()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  amount?: number;

  @ApiPropertyOptional({ example: 'video failed to render' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class CreateKeyDto {
  @ApiProperty({ example: 'site-builder production' })
  @IsString()
  @Length(1, 255)
  name!: string;

  @ApiProperty({ enum: ['service', 'admin', 'auditor'] })
  @IsIn(['service', 'admin', 'auditor'])
  role!: 'service' | 'admin' | 'auditor';
}

export class SourceFileDto {
  @ApiProperty({ example: 'images.yaml' })
  @IsString()
  @Length(1, 255)
  path!: string;

  @ApiProperty({ description: 'The file as written.' })
  @IsString()
  @MaxLength(1_000_000)
  text!: string;
}

export class PublishDto {
  @ApiProperty({ type: [SourceFileDto], description: 'Every rule file (and case file) of the rule set.' })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files!: SourceFileDto[];

  @ApiProperty({ example: 'raise Flux Pro to 17 cr' })
  @IsString()
  @Length(1, 2000)
  message!: string;

  @ApiPropertyOptional({ description: 'Activate the version right away.', default: false })
  @IsOptional()
  @IsBoolean()
  activate?: boolean;
}

/** A route that takes no query parameters: any one is an unknown field (400), as on every other route. */
export class NoQuery {}

export class LimitQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

const CURSOR_MESSAGE = 'cursor must be the `next` value of a previous page';

export class PageQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'The `next` value of the previous page.', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: CURSOR_MESSAGE })
  @Min(0, { message: CURSOR_MESSAGE })
  // Row ids are safe integers; a larger number lost its digits and was past PostgreSQL's bigint (a 500).
  @Max(Number.MAX_SAFE_INTEGER, { message: CURSOR_MESSAGE })
  cursor?: number;
}

export class GrantsQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'The `next` value of the previous page.' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,15}\.[A-Za-z0-9_.:-]{1,96}$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ enum: ['live', 'all'], default: 'all', description: '`live`: only grants that can still be drawn from.' })
  @IsOptional()
  @IsIn(['live', 'all'])
  status?: 'live' | 'all';
}

export class LedgerQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class DecisionLogQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'The `next` value of the previous page.' })
  @IsOptional()
  @IsString({ message: CURSOR_MESSAGE })
  @ValidateBy({ name: 'decisionCursor', validator: { validate: (v) => typeof v === 'string' && parseDecisionCursor(v) !== undefined, defaultMessage: () => CURSOR_MESSAGE } })
  cursor?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  accountId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  action?: string;

  @ApiPropertyOptional({ description: 'A rule-set version: its id, a prefix of at least 6 characters, `active` or `previous`.' })
  @IsOptional()
  @IsString()
  rulesetVersion?: string;

  @ApiPropertyOptional({ enum: ['quote', 'charge', 'hold', 'capture'] })
  @IsOptional()
  @IsIn(['quote', 'charge', 'hold', 'capture'])
  kind?: 'quote' | 'charge' | 'hold' | 'capture';

  @ApiPropertyOptional({ description: 'The decision of one charge.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  chargeId?: string;

  @ApiPropertyOptional({ description: `ISO 8601 time, inclusive: ${TIME_FORMS}.`, format: 'date-time' })
  @IsOptional()
  @QueryTime()
  since?: Date;

  @ApiPropertyOptional({ description: `ISO 8601 time, exclusive: ${TIME_FORMS}.`, format: 'date-time' })
  @IsOptional()
  @QueryTime()
  until?: Date;
}

export class ImpactDto {
  @ApiPropertyOptional({ type: [SourceFileDto], description: 'The candidate rule files (or give `version`).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SourceFileDto)
  files?: SourceFileDto[];

  @ApiPropertyOptional({ description: 'A published version as the candidate (or give `files`): its id, a prefix of at least 6 characters, `active` or `previous`.' })
  @IsOptional()
  @IsString()
  @Matches(VERSION_NAME, { message: `version must be ${VERSION_NAME_HELP}` })
  version?: string;

  @ApiPropertyOptional({ description: 'How far back to replay: `30d`, `12h`, `90m`.', default: '30d' })
  @IsOptional()
  // At most five digits: 99999 days is 273 years; more put the window's start outside the dates a Date can hold (a 500).
  @Matches(/^\d{1,5}[dhm]$/, { message: 'since must be a duration such as `30d`, `12h` or `90m` (at most 5 digits)' })
  since?: string;
}

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'An event, e.g. `ruleset.activate`.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  event?: string;

  @ApiPropertyOptional({ description: 'An API key id, or `cli:<user>`.' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  actor?: string;

  @ApiPropertyOptional({ description: `ISO 8601 time, inclusive: ${TIME_FORMS}.`, format: 'date-time' })
  @IsOptional()
  @QueryTime()
  since?: Date;

  @ApiPropertyOptional({ description: `ISO 8601 time, exclusive: ${TIME_FORMS}.`, format: 'date-time' })
  @IsOptional()
  @QueryTime()
  until?: Date;
}

export class AccountListQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'Accounts whose id starts with this.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'prefix must be 1-64 letters, digits, `_`, `.`, `:` or `-`' })
  prefix?: string;

  @ApiPropertyOptional({ description: 'The `next` value of the previous page.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;
}
