/**
 * Jest global setup: gives the suites a PostgreSQL server. Uses `RATECARD_TEST_PG_URL` when set
 * (CI and developers with their own server); otherwise starts a throwaway cluster with the
 * machine's PostgreSQL binaries (Debian's `postgresql` package), on loopback, and stops it in
 * the global teardown. Suites create their own databases on it (test/support/databases.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STATE = '__RATECARD_PG__';

function findBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return undefined;
}

function asPostgres(bin: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const cmd = root ? 'runuser' : bin;
  const argv = root ? ['-u', 'postgres', '--', bin, ...args] : args;
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

export default async function setup(): Promise<void> {
  if (process.env.RATECARD_TEST_PG_URL) return;
  const bin = findBin();
  if (!bin) {
    process.stderr.write('\n[ratecard tests] no PostgreSQL found (set RATECARD_TEST_PG_URL or install `postgresql`): PostgreSQL suites will fail\n');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ratecard-pg-'));
  chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = 20000 + Math.floor(Math.random() * 20000);
  asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`, 'start']);
  process.env.RATECARD_TEST_PG_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
  (globalThis as Record<string, unknown>)[STATE] = { bin, data };
}

export async function teardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[STATE] as { bin: string; data: string } | undefined;
  if (state) asPostgres(join(state.bin, 'pg_ctl'), ['-D', state.data, '-m', 'immediate', 'stop']);
}
