import { Migration } from '@mikro-orm/migrations';

/**
 * Ledger v2, by hand: each account's balance from before grants existed becomes one allowance
 * grant (`gr_v2_<account>`) expiring at the end of its cycle, moved by a pair of entries (the old
 * balance closes, the grant opens with it) so that every later entry names the grants it moves;
 * and allocations are append-only like the entries.
 */
export class Migration20261202030000_ledger_v2_balances extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `insert into \`credit_grant\` (\`id\`, \`account_id\`, \`source\`, \`amount_mc\`, \`remaining_mc\`, \`priority\`, \`expires_at\`, \`plan\`, \`pack\`, \`ruleset_version\`, \`reason\`, \`created_at\`)
       select 'gr_v2_' || \`id\`, \`id\`, 'allowance', \`balance_mc\`, \`balance_mc\`, 100, \`cycle_end\`, \`plan\`, null, null, 'the balance before ledger v2', \`updated_at\` from \`account\` where \`balance_mc\` > 0;`,
    );
    this.addSql(
      `insert into \`ledger_entry\` (\`account_id\`, \`kind\`, \`amount_mc\`, \`balance_after_mc\`, \`cycle_start\`, \`reason\`, \`created_at\`)
       select \`id\`, 'expiry', -\`balance_mc\`, 0, \`cycle_start\`, 'ledger v2: the balance moves into grant gr_v2_' || \`id\`, \`updated_at\` from \`account\` where \`balance_mc\` > 0 order by \`id\`;`,
    );
    this.addSql(
      `insert into \`ledger_entry\` (\`account_id\`, \`kind\`, \`amount_mc\`, \`balance_after_mc\`, \`cycle_start\`, \`plan\`, \`reason\`, \`created_at\`)
       select \`id\`, 'grant', \`balance_mc\`, \`balance_mc\`, \`cycle_start\`, \`plan\`, 'ledger v2: the balance before grants existed, as grant gr_v2_' || \`id\`, \`updated_at\` from \`account\` where \`balance_mc\` > 0 order by \`id\`;`,
    );
    this.addSql(
      `insert into \`entry_allocation\` (\`entry_id\`, \`grant_id\`, \`account_id\`, \`amount_mc\`)
       select e.\`id\`, 'gr_v2_' || e.\`account_id\`, e.\`account_id\`, e.\`amount_mc\` from \`ledger_entry\` e where e.\`kind\` = 'grant' and e.\`reason\` = 'ledger v2: the balance before grants existed, as grant gr_v2_' || e.\`account_id\`;`,
    );
    this.addSql("create trigger `entry_allocation_no_update` before update on `entry_allocation` begin select raise(abort, 'entry_allocation is append-only'); end;");
    this.addSql("create trigger `entry_allocation_no_delete` before delete on `entry_allocation` begin select raise(abort, 'entry_allocation is append-only'); end;");
  }
}
