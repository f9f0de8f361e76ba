import { DeadlockException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { takeWriteLock, type Database } from '../database';
import { LedgerError } from '../errors';
import type { HotReads } from '../hot-reads';
import type { Idempotent } from '../operation';

/** An entity manager of its own, outside any transaction. */
export function fork(db: Database): SqlEntityManager {
  return db.orm.em.fork() as SqlEntityManager;
}

/** Runs `fn` in a transaction (holding SQLite's write lock from the start), retrying PostgreSQL deadlocks a few times. */
export async function transaction<T>(db: Database, fn: (em: SqlEntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fork(db).transactional(async (em) => {
        await takeWriteLock(em as SqlEntityManager, db.kind);
        return fn(em as SqlEntityManager);
      });
    } catch (e) {
      if (!(e instanceof DeadlockException) || attempt >= 3) throw e;
    }
  }
}

/** The error for a key used again with another request. */
export function keyReused(key: string): LedgerError {
  return new LedgerError('IDEMPOTENCY_KEY_REUSED', `idempotency key \`${key}\` was already used with a different request`, { key });
}

/** A stored response for (scope, key): replayed when the request matches, refused when not. */
export async function replay<T>(reads: HotReads, scope: string, key: string, hash: string): Promise<Idempotent<T> | undefined> {
  const found = await reads.idempotency(scope, key);
  if (!found) return undefined;
  if (found.requestHash !== hash) throw keyReused(key);
  return { body: found.response as T, replayed: true };
}

/**
 * The idempotency protocol: a stored response for (scope, key) is replayed when the request
 * matches and refused when it does not; otherwise `run` runs in a transaction, which also stores
 * its response (the plan's idempotency record). Two requests racing with one key: the unique index
 * lets one commit; the other replays it.
 */
export async function idempotent<T>(db: Database, reads: HotReads, scope: string, key: string, hash: string, run: (em: SqlEntityManager) => Promise<T>): Promise<Idempotent<T>> {
  const first = await replay<T>(reads, scope, key, hash);
  if (first) return first;
  try {
    return { body: await transaction(db, run), replayed: false };
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException) {
      const again = await replay<T>(reads, scope, key, hash);
      if (again) return again;
    }
    throw e;
  }
}
