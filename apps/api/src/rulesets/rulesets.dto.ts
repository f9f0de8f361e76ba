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
}

/** Publish, optionally activating; `force` also stores failing cases. */
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

/** The switch options of a body: `force` needs a `reason`, and a `reason` goes with `force`. */
export function switchOptions(body: { migratePlans?: Record<string, string>; force?: boolean; reason?: string } | undefined): SwitchOptions {
  const reason = body?.reason?.trim();
  if (body?.force && !reason) throw new ProblemException(problem('INVALID_REQUEST', 'force: give a `reason`; the audit trail records why the guard was overridden', { errors: [{ field: 'reason', message: 'required with force' }] }));
  if (reason && !body?.force) throw new ProblemException(problem('INVALID_REQUEST', 'reason: a reason goes with `force: true`', { errors: [{ field: 'force', message: 'required with reason' }] }));
  return { migratePlans: planMoves(body?.migratePlans), ...(body?.force ? { force: { reason: reason! } } : {}) };
}
