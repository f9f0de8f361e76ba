import { isAbsolute, resolve } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { AbstractSqlConnection, SqlEntityManager } from '@mikro-orm/knex';
import { ENTITIES } from './entities';
import { POSTGRESQL_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations';

/** Which database, parsed from `DATABASE_URL`. */
export type DatabaseTarget = { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgresql'; readonly url: string };

/** The default: an embedded SQLite file under `data/`. */
export const DEFAULT_DATABASE_URL = 'sqlite:data/ratecard.db';

/**
 * Parses `sqlite:path/to/file.db` (relative to `cwd`), `sqlite::memory:` or `postgres://...`
 * (`postgresql://` too). Returns an error message for anything else.
 */
export function parseDatabaseUrl(url: string, cwd: string): DatabaseTarget | { error: string } {
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      return { error: `\`${redact(url)}\` is not a valid PostgreSQL URL` };
    }
    return { kind: 'postgresql', url };
  }
  const m = /^sqlite:(.+)$/.exec(url);
  if (m) {
    const file = m[1].replace(/^\/\/(?=\/)/, '');
    if (file === ':memory:') return { kind: 'sqlite', file };
    return { kind: 'sqlite', file: isAbsolute(file) ? file : resolve(cwd, file) };
  }
  return { error: `\`${redact(url)}\` is not a database URL: use \`sqlite:path/to/file.db\` or \`postgres://user:password@host:5432/db\`` };
}

/** A URL with its password replaced, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** Pool and logging options. */
export interface DatabaseOptions {
  /** PostgreSQL pool size per process (SQLite always uses one connection). */
  readonly poolSize?: number;
  readonly debug?: boolean;
  /** Where MikroORM's own messages go (migrations applied, warnings); silent by default. */
  readonly logger?: (message: string) => void;
  /**
   * SQLite only: extra read-only connections to the same file for reads outside transactions
   * (WAL lets them run beside the writer and see every committed change). Default 2.
   */
  readonly readConnections?: number;
}

/**
 * MikroORM options for a target. SQLite runs in WAL mode with one connection, so transactions
 * are serialised in the process; PostgreSQL uses a pool and row locks.
 */
export function ormOptions(target: DatabaseTarget, options: DatabaseOptions = {}): Options {
  const common = {
    entities: ENTITIES,
    extensions: [Migrator],
    debug: options.debug ?? false,
    logger: options.logger ?? (() => undefined),
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
  } satisfies Options;
  if (target.kind === 'sqlite') {
    const pool = {
      min: 1,
      max: 1,
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      afterCreate: (conn: { exec(sql: string, done: (err: Error | null) => void): void; serialize(): void }, done: (err: Error | null, conn: unknown) => void) => {
        // One statement at a time, queued in the driver (and run back to back, no event-loop turn in
        // between). In its default mode node-sqlite3 runs a connection's statements on several pool
        // threads at once; they take turns on SQLite's connection mutex, and the main thread blocked
        // on that mutex when it finalized a statement (a third of the charge path's main thread).
        conn.serialize();
        // Checkpoints every 10,000 WAL pages (~40 MB) rather than 1,000: a batch of charges to random
        // accounts writes ~1,500 pages, so the default checkpointed at every other commit, on the
        // charge path (47 ms); less often, pages written again in between are copied once. The WAL
        // file is cut back to 64 MB after a checkpoint. Statement journals (which let one statement of
        // a transaction be undone alone, written by every multi-row statement of a charge batch) are
        // kept in memory, not in temporary files: a tenth of a charge's CPU was their writes.
        conn.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 10000; PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY;', (err) => done(err, conn));
      },
    };
    const readers = target.file === ':memory:' ? 0 : (options.readConnections ?? 2);
    return {
      ...common,
      driver: SqliteDriver,
      dbName: target.file,
      pool,
      ...(readers > 0 ? { replicas: Array.from({ length: readers }, (_, i) => ({ name: `read-${i + 1}`, dbName: target.file, pool })), preferReadReplicas: true } : {}),
      migrations: { migrationsList: SQLITE_MIGRATIONS, transactional: true, allOrNothing: true, snapshot: false },
    } as Options;
  }
  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: target.url,
    pool: { min: 1, max: options.poolSize ?? 10 },
    migrations: { migrationsList: POSTGRESQL_MIGRATIONS, transactional: true, allOrNothing: true, snapshot: false },
  } as Options;
}

/** The PostgreSQL advisory lock that lets one process at a time apply migrations. */
const MIGRATION_LOCK = 72_656_184_330;

/**
 * Runs `fn` holding a session-level advisory lock on a connection of its own (outside the pool, so
 * `fn` can use every pooled connection). Processes starting together on a new database would
 * otherwise all create the same tables; the lock makes the others wait, then find nothing pending.
 */
async function withPostgresLock<T>(orm: MikroORM, key: number, fn: () => Promise<T>): Promise<T> {
  const client = (orm.em.getConnection() as AbstractSqlConnection).getKnex().client as {
    acquireRawConnection(): Promise<{ query(sql: string, params: unknown[]): Promise<unknown> }>;
    destroyRawConnection(conn: unknown): Promise<void>;
  };
  const conn = await client.acquireRawConnection();
  try {
    await conn.query('select pg_advisory_lock($1)', [key]);
    try {
      return await fn();
    } finally {
      await conn.query('select pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await client.destroyRawConnection(conn);
  }
}

/**
 * Takes SQLite's write lock at the start of a transaction, as `BEGIN IMMEDIATE` would. A SQLite
 * transaction that reads and then writes fails at once (SQLITE_BUSY) when another process commits
 * in between (the CLI beside the service, or the service beside the CLI); holding the lock from
 * the start makes it wait up to the busy timeout instead. PostgreSQL locks rows: nothing to do.
 */
export async function takeWriteLock(em: SqlEntityManager, kind: DatabaseTarget['kind']): Promise<void> {
  if (kind === 'sqlite') await em.execute('update mikro_orm_migrations set id = id where 0');
}

/** An open database: the ORM, which platform it is, and housekeeping. */
export interface Database {
  readonly orm: MikroORM;
  readonly kind: DatabaseTarget['kind'];
  /** Applies pending migrations; returns the names applied. On PostgreSQL one process at a time does. */
  migrate(): Promise<string[]>;
  /** Names of migrations not yet applied. */
  pendingMigrations(): Promise<string[]>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Connects to a target. Does not migrate: call `migrate()` (the API does at start). */
export async function openDatabase(target: DatabaseTarget, options: DatabaseOptions = {}): Promise<Database> {
  return databaseOf(await MikroORM.init(ormOptions(target, options)), target.kind);
}

/** Wraps an initialised ORM (e.g. the one `@mikro-orm/nestjs` made). */
export function databaseOf(orm: MikroORM, kind: DatabaseTarget['kind']): Database {
  const migrator = (): Migrator => orm.getMigrator() as Migrator;
  return {
    orm,
    kind,
    migrate: async () => {
      const up = async (): Promise<string[]> => (await migrator().up()).map((m) => m.name);
      return kind === 'postgresql' ? withPostgresLock(orm, MIGRATION_LOCK, up) : up();
    },
    pendingMigrations: async () => (await migrator().getPendingMigrations()).map((m) => m.name),
    ping: async () => {
      try {
        await (orm.em.fork() as SqlEntityManager).execute('select 1 as ok');
        return true;
      } catch {
        return false;
      }
    },
    close: () => orm.close(true),
  };
}
