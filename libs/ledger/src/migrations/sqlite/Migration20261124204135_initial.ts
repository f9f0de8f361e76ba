import { Migration } from '@mikro-orm/migrations';

export class Migration20261124204135_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`account\` (\`id\` text not null, \`plan\` text not null, \`pending_plan\` text null, \`billing_anchor\` integer not null, \`cycle_start\` datetime not null, \`cycle_end\` datetime not null, \`balance_mc\` bigint not null default 0, \`held_mc\` bigint not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`);

    this.addSql(`create table \`api_key\` (\`id\` text not null, \`name\` text not null, \`role\` text not null, \`secret_hash\` text not null, \`created_at\` datetime not null, \`revoked_at\` datetime null, primary key (\`id\`));`);
    this.addSql(`create unique index \`api_key_secret_hash_unique\` on \`api_key\` (\`secret_hash\`);`);

    this.addSql(`create table \`audit_event\` (\`id\` integer not null primary key autoincrement, \`actor\` text not null, \`event\` text not null, \`target\` text not null, \`details\` json not null, \`created_at\` datetime not null);`);
    this.addSql(`create index \`audit_event_created_at_index\` on \`audit_event\` (\`created_at\`);`);

    this.addSql(`create table \`charge\` (\`id\` text not null, \`account_id\` text not null, \`action\` text not null, \`params\` json not null, \`cost_mc\` bigint not null, \`ruleset_version\` text not null, \`entry_id\` bigint null, \`hold_id\` text null, \`idempotency_key\` text null, \`created_at\` datetime not null, constraint \`charge_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete restrict on update restrict, primary key (\`id\`));`);
    this.addSql(`create index \`charge_account_id_index\` on \`charge\` (\`account_id\`);`);
    this.addSql(`create index \`charge_account_id_created_at_index\` on \`charge\` (\`account_id\`, \`created_at\`);`);

    this.addSql(`create table \`decision_log\` (\`id\` integer not null primary key autoincrement, \`kind\` text not null, \`account_id\` text not null, \`plan\` text not null, \`action\` text not null, \`params\` json not null, \`confirm\` integer not null, \`balance_mc\` bigint not null, \`usage\` json not null, \`allowed\` integer not null, \`cost_mc\` bigint not null, \`reasons\` text not null, \`decision\` json not null, \`ruleset_version\` text not null, \`charge_id\` text null, \`api_key_id\` text null, \`created_at\` datetime not null, constraint \`decision_log_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete restrict on update restrict);`);
    this.addSql(`create index \`decision_log_account_id_index\` on \`decision_log\` (\`account_id\`);`);
    this.addSql(`create index \`decision_log_created_at_index\` on \`decision_log\` (\`created_at\`);`);
    this.addSql(`create index \`decision_log_account_id_id_index\` on \`decision_log\` (\`account_id\`, \`id\`);`);

    this.addSql(`create table \`hold\` (\`id\` text not null, \`account_id\` text not null, \`action\` text not null, \`params\` json not null, \`confirm\` integer not null, \`amount_mc\` bigint not null, \`ruleset_version\` text not null, \`cycle_start\` datetime not null, \`status\` text not null, \`expires_at\` datetime not null, \`charge_id\` text null, \`idempotency_key\` text null, \`created_at\` datetime not null, \`closed_at\` datetime null, constraint \`hold_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete restrict on update restrict, primary key (\`id\`));`);
    this.addSql(`create index \`hold_account_id_index\` on \`hold\` (\`account_id\`);`);
    this.addSql(`create index \`hold_account_id_status_expires_at_index\` on \`hold\` (\`account_id\`, \`status\`, \`expires_at\`);`);

    this.addSql(`create table \`idempotency_record\` (\`id\` integer not null primary key autoincrement, \`scope\` text not null, \`key\` text not null, \`request_hash\` text not null, \`status\` integer not null, \`response\` json not null, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`idempotency_record_scope_key_unique\` on \`idempotency_record\` (\`scope\`, \`key\`);`);

    this.addSql(`create table \`ledger_entry\` (\`id\` integer not null primary key autoincrement, \`account_id\` text not null, \`kind\` text not null, \`amount_mc\` bigint not null, \`balance_after_mc\` bigint not null, \`cycle_start\` datetime not null, \`action\` text null, \`charge_id\` text null, \`hold_id\` text null, \`plan\` text null, \`ruleset_version\` text null, \`reason\` text not null, \`created_at\` datetime not null, constraint \`ledger_entry_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete restrict on update restrict);`);
    this.addSql(`create index \`ledger_entry_account_id_index\` on \`ledger_entry\` (\`account_id\`);`);
    this.addSql(`create index \`ledger_entry_charge_id_index\` on \`ledger_entry\` (\`charge_id\`);`);
    this.addSql(`create index \`ledger_entry_account_id_id_index\` on \`ledger_entry\` (\`account_id\`, \`id\`);`);

    this.addSql(`create table \`ruleset_activation\` (\`id\` integer not null primary key autoincrement, \`version\` text not null, \`activated_by\` text not null, \`reason\` text not null, \`created_at\` datetime not null);`);

    this.addSql(`create table \`ruleset_version\` (\`version\` text not null, \`files\` json not null, \`author\` text not null, \`message\` text not null, \`parent_version\` text null, \`created_at\` datetime not null, primary key (\`version\`));`);

    this.addSql(`create table \`usage_counter\` (\`id\` integer not null primary key autoincrement, \`account_id\` text not null, \`action\` text not null, \`cycle_start\` datetime not null, \`count\` integer not null, constraint \`usage_counter_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete restrict on update restrict);`);
    this.addSql(`create index \`usage_counter_account_id_index\` on \`usage_counter\` (\`account_id\`);`);
    this.addSql(`create unique index \`usage_counter_account_id_action_cycle_start_unique\` on \`usage_counter\` (\`account_id\`, \`action\`, \`cycle_start\`);`);
  }

}
