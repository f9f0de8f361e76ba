import { Migration } from '@mikro-orm/migrations';

/** Tables that record history refuse UPDATE, DELETE and TRUNCATE: the ledger is append-only by construction. */
export const APPEND_ONLY_TABLES = ['ledger_entry', 'charge', 'decision_log', 'audit_event', 'ruleset_version', 'ruleset_activation'];

export class Migration20261124204136_append_only extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function ratecard_append_only() returns trigger language plpgsql as $$ begin raise exception '% is append-only', tg_table_name; end $$;`);
    for (const table of APPEND_ONLY_TABLES) {
      this.addSql(`create trigger "${table}_append_only" before update or delete or truncate on "${table}" for each statement execute function ratecard_append_only();`);
    }
  }

  override async down(): Promise<void> {
    for (const table of APPEND_ONLY_TABLES) this.addSql(`drop trigger if exists "${table}_append_only" on "${table}";`);
    this.addSql('drop function if exists ratecard_append_only();');
  }
}
