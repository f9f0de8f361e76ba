import { Migration } from '@mikro-orm/migrations';

export class Migration20261202025406_ledger_v2_grants extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`credit_grant\` (\`id\` text not null, \`account_id\` text not null, \`source\` text not null, \`amount_mc\` bigint not null, \`remaining_mc\` bigint not null, \`priority\` integer not null, \`expires_at\` datetime null, \`plan\` text null, \`pack\` text null, \`ruleset_version\` text null, \`reason\` text not null, \`created_at\` datetime not null, constraint \`credit_grant_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete restrict on update restrict, primary key (\`id\`));`);
    this.addSql(`create index \`credit_grant_account_id_index\` on \`credit_grant\` (\`account_id\`);`);
    this.addSql(`create index \`credit_grant_account_id_expires_at_index\` on \`credit_grant\` (\`account_id\`, \`expires_at\`);`);

    this.addSql(`create table \`entry_allocation\` (\`id\` integer not null primary key autoincrement, \`entry_id\` bigint not null, \`grant_id\` text not null, \`account_id\` text not null, \`amount_mc\` bigint not null);`);
    this.addSql(`create index \`entry_allocation_grant_id_index\` on \`entry_allocation\` (\`grant_id\`);`);
    this.addSql(`create index \`entry_allocation_entry_id_index\` on \`entry_allocation\` (\`entry_id\`);`);

    this.addSql(`alter table \`charge\` add column \`cycle_start\` datetime null;`);
    this.addSql(`alter table \`charge\` add column \`balance_after_mc\` bigint null;`);

    this.addSql(`alter table \`hold\` add column \`plan\` text null;`);

    this.addSql(`create index \`ledger_entry_hold_id_index\` on \`ledger_entry\` (\`hold_id\`);`);
  }

}
