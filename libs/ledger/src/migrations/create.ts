/**
 * Development tool: generates the next migration for SQLite and PostgreSQL from the entities.
 *   npm run build && npm run migration:create -- <name> [postgres://...]
 * SQLite is diffed against a scratch database migrated to the latest version; PostgreSQL needs a
 * server (the URL argument, or RATECARD_PG_URL) whose database is used as scratch and reset.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import { ormOptions, type DatabaseTarget } from '../database';

async function generate(target: DatabaseTarget, dir: string): Promise<void> {
  const options = ormOptions(target);
  const orm = await MikroORM.init({ ...options, migrations: { ...options.migrations, path: dir, pathTs: dir, emit: 'ts', fileName: (ts: string, name?: string) => `Migration${ts}${name ? '_' + name : ''}` } });
  try {
    const migrator = orm.getMigrator() as Migrator;
    await migrator.up();
    const result = await migrator.createMigration(dir, false, false, process.argv[2]);
    process.stdout.write(result.fileName ? `${target.kind}: wrote ${join(dir, result.fileName)}\n` : `${target.kind}: no changes\n`);
  } finally {
    await orm.close(true);
  }
}

async function main(): Promise<void> {
  const root = resolve(__dirname, '../../../../../../../libs/ledger/src/migrations');
  const scratch = mkdtempSync(join(tmpdir(), 'ratecard-migrate-'));
  try {
    await generate({ kind: 'sqlite', file: join(scratch, 'scratch.db') }, join(root, 'sqlite'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const pg = process.argv[3] ?? process.env.RATECARD_PG_URL;
  if (pg) await generate({ kind: 'postgresql', url: pg }, join(root, 'postgresql'));
  else process.stdout.write('postgresql: skipped (pass a URL or set RATECARD_PG_URL)\n');
}

void main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
