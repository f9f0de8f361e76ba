import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { VERSION_NAME, VERSION_NAME_HELP, type PlanMove, type SwitchOptions } from '@ratecard/ledger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PublishDto } from '../http/dto';
import { problem, ProblemException } from '../http/problem';

const MIGRATE_PLANS = {
  description:
    'Plan mapping, applied in the same transaction as the activation: every account on each key plan (a plan the version lacks) moves to the value plan (one of its plans), with a `plan` entry in its ledger.',
  example: { enterprise: 'premium' },
  type: 'object',
  additionalProperties: { type: 'string' },
} as const;
const FORCE = { description: 'Go ahead although the guard refuses (or the cases fail); needs `reason`, which the audit trail records.', default: false } as const;
const AT = {
  description:
    'Schedule the switch: an ISO 8601 time with `Z` or an offset, after now. Every API process switches at that instant by its own clock, and each charge is priced by the version in effect at its time. Schedule at least `RULES_POLL_MS` ahead (each process learns the schedule at its poll); plan mappings apply at once and cannot be scheduled; cancel with `POST /v1/rulesets/activations/{id}/cancel`.',
  example: '2026-12-01T00:00:00Z',
} as const;
const REASON = { description: 'Why the guard is overridden, for the audit trail.', example: 'enterprise accounts are migrated by support this afternoon' } as const;

/** Overrides and plan moves for a switch of the active version. */
export class SwitchDto {
  @ApiPropertyOptional(MIGRATE_PLANS)
  @IsOptional()
  @IsObject()
  migratePlans?: Record<string, string>;

  @ApiPropertyOptional(FORCE)
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional(REASON)
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;

  @ApiPropertyOptional(AT)
  @IsOptional()
  @IsString()
  @Length(1, 64)
  at?: string;
}

/** Publish, optionally activating (now, or at `activateAt`); `force` also stores failing cases. */
export class PublishRequestDto extends PublishDto {
  @ApiPropertyOptional(MIGRATE_PLANS)
  @IsOptional()
  @IsObject()
  migratePlans?: Record<string, string>;

  @ApiPropertyOptional(FORCE)
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional(REASON)
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;

  @ApiPropertyOptional({ ...AT, description: `With \`activate\`: ${AT.description}` })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  activateAt?: string;
}

/** Query of the read-only activation report. */
export class ActivationReportQuery {
  @ApiPropertyOptional({ description: 'A plan move `from=to`; repeat it for more plans.', example: 'enterprise=premium', type: [String] })
  @IsOptional()
  migratePlan?: string | string[];
}

/** Query of the diff. */
export class DiffFormatQuery {
  @ApiProperty({ description: `From: ${VERSION_NAME_HELP}.`, example: 'previous' })
  @IsString()
  @Matches(VERSION_NAME, { message: `from must be ${VERSION_NAME_HELP}` })
  from!: string;

  @ApiProperty({ description: `To: ${VERSION_NAME_HELP}.`, example: 'active' })
  @IsString()
  @Matches(VERSION_NAME, { message: `to must be ${VERSION_NAME_HELP}` })
  to!: string;

  @ApiPropertyOptional({ enum: ['json', 'md', 'text'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'md', 'text'])
  format?: 'json' | 'md' | 'text';

  @ApiPropertyOptional({ description: 'Text and Markdown: list every changed cell after the groups.', enum: ['true', 'false'], default: 'false' })
  @IsOptional()
  @IsIn(['true', 'false'])
  cells?: 'true' | 'false';
}

const PLAN_ID = /^[a-z][a-z0-9-]{0,63}$/;

/** Plan moves from `{ from: to }`; a bad entry is a 400. */
export function planMoves(map: Record<string, unknown> | undefined): PlanMove[] {
  if (map === undefined) return [];
  return Object.entries(map).map(([from, to]) => {
    if (!PLAN_ID.test(from) || typeof to !== 'string' || !PLAN_ID.test(to)) {
      throw new ProblemException(problem('INVALID_REQUEST', `migratePlans: \`${from}\` → \`${String(to)}\` is not a plan id mapped to a plan id`, { errors: [{ field: `migratePlans.${from}`, message: 'must map a plan id to a plan id' }] }));
    }
    return { from, to };
  });
}

/** Plan moves from `from=to` strings (the query of the activation report). */
export function planMovesFromPairs(pairs: string | string[] | undefined): PlanMove[] {
  const list = pairs === undefined ? [] : Array.isArray(pairs) ? pairs : [pairs];
  const map: Record<string, string> = {};
  for (const p of list) {
    const m = /^([^=]+)=(.+)$/.exec(p);
    if (!m) throw new ProblemException(problem('INVALID_REQUEST', `migratePlan takes \`from=to\`, got \`${p}\``, { errors: [{ field: 'migratePlan', message: 'must be `from=to`' }] }));
    map[m[1]] = m[2];
  }
  return planMoves(map);
}

/** An ISO 8601 time with a zone (`2026-12-01T00:00:00Z`, `2026-12-01T01:00+01:00`), or a 400 naming the field. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
function instant(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const t = ISO_INSTANT.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new ProblemException(problem('INVALID_REQUEST', `${field}: \`${value}\` is not an ISO 8601 time with a zone, such as \`2026-12-01T00:00:00Z\``, { errors: [{ field, message: 'must be an ISO 8601 time with Z or an offset' }] }));
  return new Date(t);
}

/** The switch options of a body: `force` needs a `reason`, and a `reason` goes with `force`; `at` (or `activateAt`) schedules it. */
export function switchOptions(body: { migratePlans?: Record<string, string>; force?: boolean; reason?: string; at?: string; activateAt?: string; activate?: boolean } | undefined): SwitchOptions {
  const field = body?.activateAt !== undefined ? 'activateAt' : 'at';
  if (body?.activateAt !== undefined && !body.activate) throw new ProblemException(problem('INVALID_REQUEST', 'activateAt: goes with `activate: true`', { errors: [{ field: 'activate', message: 'required with activateAt' }] }));
  const at = instant(field, body?.activateAt ?? body?.at);
  const reason = body?.reason?.trim();
  if (body?.force && !reason) throw new ProblemException(problem('INVALID_REQUEST', 'force: give a `reason`; the audit trail records why the guard was overridden', { errors: [{ field: 'reason', message: 'required with force' }] }));
  if (reason && !body?.force) throw new ProblemException(problem('INVALID_REQUEST', 'reason: a reason goes with `force: true`', { errors: [{ field: 'force', message: 'required with reason' }] }));
  return { migratePlans: planMoves(body?.migratePlans), ...(body?.force ? { force: { reason: reason! } } : {}), ...(at ? { at } : {}) };
}
