import { Migration } from '@mikro-orm/migrations';

/**
 * Drops the single-column account_id indexes that a composite index starting with account_id already
 * covers: every charge wrote each row into both. Lookups by account use the composite ones.
 */
export class Migration20261202100000_covered_account_indexes extends Migration {
  override async up(): Promise<void> {
    for (const table of ['ledger_entry', 'charge', 'credit_grant', 'decision_log', 'hold', 'usage_counter']) {
      this.addSql(`drop index if exists "${table}_account_id_index";`);
    }
  }
}
