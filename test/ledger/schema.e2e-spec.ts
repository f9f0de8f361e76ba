import { openDatabase } from '@ratecard/ledger';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';

// The migrations and the entities describe the same schema: after every migration, MikroORM's schema
// generator finds nothing to change. On SQLite it always proposes to rebuild the tables whose id is a
// bigint autoincrement (SQLite can only autoincrement an INTEGER PRIMARY KEY, which is 64-bit
// anyway): those rebuilds, with the same columns, are the only difference allowed.
const SQLITE_BIGINT_IDS = ['decision_log', 'entry_allocation', 'ledger_entry'];

describe.each(DATABASE_KINDS)('the schema the migrations make on %s', (kind) => {
  it('is the schema of the entities', async () => {
    const db = await openDatabase(await freshDatabase(kind));
    try {
      await db.migrate();
      const sql = await db.orm.getSchemaGenerator().getUpdateSchemaSQL();
      if (kind === 'postgresql') expect(sql).toBe('');
      else {
        const rebuilt = [...sql.matchAll(/create table `(\w+)__temp_alter`/g)].map((m) => m[1]);
        expect(rebuilt.sort()).toEqual(SQLITE_BIGINT_IDS);
        expect(sql.replace(/alter table `\w+__temp_alter` rename to `\w+`/g, '')).not.toMatch(/alter table|drop column|add column/);
      }
    } finally {
      await db.close();
    }
  });
});
