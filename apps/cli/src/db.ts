import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ApiKeys, Audit, DEFAULT_DATABASE_URL, openDatabase, parseDatabaseUrl, RuleVersions, type Caller, type Database } from '@ratecard/ledger';
import { UsageError, type CliIo } from './io';

/** The database the service uses, from `DATABASE_URL` (default `sqlite:data/ratecard.db`). */
export interface Store {
  readonly db: Database;
  readonly versions: RuleVersions;
  readonly keys: ApiKeys;
  readonly audit: Audit;
  close(): Promise<void>;
}

/**
 * Opens the service's database and applies pending migrations (as the API does at start).
 * With `mustExist`, a missing SQLite file is an error rather than a new empty database.
 */
export async function openStore(io: CliIo, options: { mustExist?: boolean } = {}): Promise<Store> {
  const url = io.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const target = parseDatabaseUrl(url, io.cwd);
  if ('error' in target) throw new UsageError(`DATABASE_URL: ${target.error}`);
  if (options.mustExist && target.kind === 'sqlite' && target.file !== ':memory:' && !existsSync(target.file)) {
    throw new UsageError(`no database at \`${target.file}\` (set DATABASE_URL, or start the API once)`);
  }
  const db = await openDatabase(target);
  await db.migrate();
  return { db, versions: new RuleVersions(db), keys: new ApiKeys(db), audit: new Audit(db), close: () => db.close() };
}

/** Who runs the command, for the audit trail: `cli:<user>`. */
export function cliCaller(io: CliIo): Caller {
  let user = io.env.USER || io.env.USERNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return { actor: `cli:${user}` };
}

/** Opens the store, runs `fn`, and always closes it. */
export async function withStore<T>(io: CliIo, fn: (store: Store) => Promise<T>, options: { mustExist?: boolean } = {}): Promise<T> {
  const store = await openStore(io, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
