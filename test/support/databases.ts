/**
 * Real databases for tests: a fresh SQLite file, or a fresh PostgreSQL database on the server from
 * the global setup. Never a mock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import type { DatabaseTarget } from '@ratecard/ledger';

/** Which databases the suites run against: both, always. */
export const DATABASE_KINDS: readonly DatabaseTarget['kind'][] = ['sqlite', 'postgresql'];

/** The PostgreSQL server URL, or a clear failure. */
export function postgresUrl(): string {
  const url = process.env.RATECARD_TEST_PG_URL;
  if (!url) throw new Error('no PostgreSQL server for tests: run them with jest (its global setup starts one) or set RATECARD_TEST_PG_URL');
  return url;
}

/** A new, empty database of the given kind. */
export async function freshDatabase(kind: DatabaseTarget['kind']): Promise<DatabaseTarget & { url: string }> {
  if (kind === 'sqlite') {
    const file = join(mkdtempSync(join(tmpdir(), 'ratecard-test-')), 'ratecard.db');
    return { kind, file, url: `sqlite:${file}` };
  }
  const server = new URL(postgresUrl());
  const name = `rc_${randomBytes(6).toString('hex')}`;
  const orm = await MikroORM.init({ clientUrl: server.toString(), dbName: server.pathname.slice(1) || 'postgres', entities: [], discovery: { warnWhenNoEntities: false }, allowGlobalContext: true });
  try {
    await orm.em.getConnection().execute(`create database "${name}"`);
  } finally {
    await orm.close(true);
  }
  server.pathname = `/${name}`;
  return { kind, url: server.toString() };
}
