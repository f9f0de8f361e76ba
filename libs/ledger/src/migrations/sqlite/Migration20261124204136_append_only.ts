import { Migration } from '@mikro-orm/migrations';

/** Tables that record history refuse UPDATE and DELETE: the ledger is append-only by construction. */
export const APPEND_ONLY_TABLES = ['ledger_entry', 'charge', 'decision_log', 'audit_event', 'ruleset_version', 'ruleset_activation'];

export class Migration20261124204136_append_only extends Migration {
  override async up(): Promise<void> {
    for (const table of APPEND_ONLY_TABLES) {
      for (const op of ['update', 'delete']) {
        this.addSql(`create trigger \`${table}_no_${op}\` before ${op} on \`${table}\` begin select raise(abort, '${table} is append-only'); end;`);
      }
    }
  }

  override async down(): Promise<void> {
    for (const table of APPEND_ONLY_TABLES) for (const op of ['update', 'delete']) this.addSql(`drop trigger if exists \`${table}_no_${op}\`;`);
  }
}
