import { Migration } from '@mikro-orm/migrations';

export class Migration20261202025407_ledger_v2_grants extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "credit_grant" ("id" varchar(96) not null, "account_id" varchar(64) not null, "source" varchar(16) not null, "amount_mc" bigint not null, "remaining_mc" bigint not null, "priority" int not null, "expires_at" timestamptz null, "plan" varchar(64) null, "pack" varchar(64) null, "ruleset_version" varchar(64) null, "reason" text not null, "created_at" timestamptz not null, constraint "credit_grant_pkey" primary key ("id"));`);
    this.addSql(`create index "credit_grant_account_id_expires_at_index" on "credit_grant" ("account_id", "expires_at");`);

    this.addSql(`create table "entry_allocation" ("id" bigserial primary key, "entry_id" bigint not null, "grant_id" varchar(96) not null, "account_id" varchar(64) not null, "amount_mc" bigint not null);`);
    this.addSql(`create index "entry_allocation_grant_id_index" on "entry_allocation" ("grant_id");`);
    this.addSql(`create index "entry_allocation_entry_id_index" on "entry_allocation" ("entry_id");`);

    this.addSql(`alter table "credit_grant" add constraint "credit_grant_account_id_foreign" foreign key ("account_id") references "account" ("id") on update restrict on delete restrict;`);

    this.addSql(`alter table "charge" add column "cycle_start" timestamptz null, add column "balance_after_mc" bigint null;`);

    this.addSql(`alter table "hold" add column "plan" varchar(64) null;`);

    this.addSql(`create index "ledger_entry_hold_id_index" on "ledger_entry" ("hold_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "credit_grant" cascade;`);

    this.addSql(`drop table if exists "entry_allocation" cascade;`);

    this.addSql(`alter table "charge" drop column "cycle_start", drop column "balance_after_mc";`);

    this.addSql(`alter table "hold" drop column "plan";`);

    this.addSql(`drop index "ledger_entry_hold_id_index";`);
  }

}
