import type { SqlEntityManager } from '@mikro-orm/knex';
import { activeAt, loadTimeline, previousAt } from './activation-timeline';
import { RulesetVersion, type RulesetActivation } from './entities';
import { LedgerError } from './errors';

/**
 * What names a version everywhere (the CLI's commands, the API's paths, bodies and filters): its
 * id, a prefix of it of at least 6 characters that no other version shares, `active` (the active
 * version) or `previous` (the one active before it, where a rollback goes).
 */
export const VERSION_NAME = /^(?:active|previous|[0-9a-f]{6,64})$/;

/** How {@link VERSION_NAME} is explained in messages. */
export const VERSION_NAME_HELP = 'a version id, a prefix of at least 6 characters, `active` or `previous`';

/** The activation in effect at `now` (the active version), or null before the first one. */
export async function latestActivation(em: SqlEntityManager, now?: Date): Promise<RulesetActivation | null> {
  return activeAt(await loadTimeline(em), now);
}

/** The version active before the current one (the latest activation in effect of another version), if any. */
export async function previousVersion(em: SqlEntityManager, now?: Date): Promise<string | undefined> {
  return previousAt(await loadTimeline(em), now);
}

/**
 * Resolves a version name (see {@link VERSION_NAME}) to a full version id. An unknown name is
 * `VERSION_NOT_FOUND`, a prefix shared by several versions `VERSION_AMBIGUOUS` (with the candidates):
 * never a guess, never an empty answer.
 */
export async function resolveVersion(em: SqlEntityManager, name: string, now?: Date): Promise<string> {
  if (name === 'active') {
    const active = await latestActivation(em, now);
    if (!active) throw new LedgerError('VERSION_NOT_FOUND', 'no version is active yet', { name });
    return active.version;
  }
  if (name === 'previous') {
    const previous = await previousVersion(em, now);
    if (!previous) throw new LedgerError('VERSION_NOT_FOUND', 'there is no previous version: no other version has been active', { name });
    return previous;
  }
  if (!VERSION_NAME.test(name)) throw new LedgerError('VERSION_NOT_FOUND', `\`${name}\` is not a version name: give ${VERSION_NAME_HELP}`, { name });
  const rows = await em.find(RulesetVersion, { version: { $like: `${name}%` } }, { fields: ['version'], orderBy: { version: 'asc' }, limit: 10 });
  if (rows.length === 0) throw new LedgerError('VERSION_NOT_FOUND', `no version \`${name}\``, { name });
  if (rows.length > 1) {
    const candidates = rows.map((r) => r.version);
    throw new LedgerError('VERSION_AMBIGUOUS', `\`${name}\` is the start of ${rows.length === 10 ? 'many' : rows.length} versions (${candidates.map((v) => v.slice(0, 12)).join(', ')}); give more characters`, { name, candidates });
  }
  return rows[0].version;
}
