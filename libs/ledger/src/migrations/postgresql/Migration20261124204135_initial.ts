import { Migration } from '@mikro-orm/migrations';

export class Migration20261124204135_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "account" ("id" varchar(64) not null, "plan" varchar(64) not null, "pending_plan" varchar(64) null, "billing_anchor" int not null, "cycle_start" timestamptz not null, "cycle_end" timestamptz not null, "balance_mc" bigint not null default 0, "held_mc" bigint not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "account_pkey" primary key ("id"));`);

    this.addSql(`create table "api_key" ("id" varchar(40) not null, "name" varchar(255) not null, "role" varchar(16) not null, "secret_hash" varchar(64) not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, constraint "api_key_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_key" add constraint "api_key_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`create table "audit_event" ("id" serial primary key, "actor" varchar(255) not null, "event" varchar(64) not null, "target" varchar(128) not null, "details" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "audit_event_created_at_index" on "audit_event" ("created_at");`);

    this.addSql(`create table "charge" ("id" varchar(40) not null, "account_id" varchar(64) not null, "action" varchar(128) not null, "params" jsonb not null, "cost_mc" bigint not null, "ruleset_version" varchar(64) not null, "entry_id" bigint null, "hold_id" varchar(40) null, "idempotency_key" varchar(255) null, "created_at" timestamptz not null, constraint "charge_pkey" primary key ("id"));`);
    this.addSql(`create index "charge_account_id_created_at_index" on "charge" ("account_id", "created_at");`);

    this.addSql(`create table "decision_log" ("id" bigserial primary key, "kind" varchar(16) not null, "account_id" varchar(64) not null, "plan" varchar(64) not null, "action" varchar(128) not null, "params" jsonb not null, "confirm" boolean not null, "balance_mc" bigint not null, "usage" jsonb not null, "allowed" boolean not null, "cost_mc" bigint not null, "reasons" varchar(255) not null, "decision" jsonb not null, "ruleset_version" varchar(64) not null, "charge_id" varchar(40) null, "api_key_id" varchar(40) null, "created_at" timestamptz not null);`);
    this.addSql(`create index "decision_log_created_at_index" on "decision_log" ("created_at");`);
    this.addSql(`create index "decision_log_account_id_id_index" on "decision_log" ("account_id", "id");`);

    this.addSql(`create table "hold" ("id" varchar(40) not null, "account_id" varchar(64) not null, "action" varchar(128) not null, "params" jsonb not null, "confirm" boolean not null, "amount_mc" bigint not null, "ruleset_version" varchar(64) not null, "cycle_start" timestamptz not null, "status" varchar(16) not null, "expires_at" timestamptz not null, "charge_id" varchar(40) null, "idempotency_key" varchar(255) null, "created_at" timestamptz not null, "closed_at" timestamptz null, constraint "hold_pkey" primary key ("id"));`);
    this.addSql(`create index "hold_account_id_status_expires_at_index" on "hold" ("account_id", "status", "expires_at");`);

    this.addSql(`create table "idempotency_record" ("id" serial primary key, "scope" varchar(32) not null, "key" varchar(255) not null, "request_hash" varchar(64) not null, "status" int not null, "response" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "idempotency_record" add constraint "idempotency_record_scope_key_unique" unique ("scope", "key");`);

    this.addSql(`create table "ledger_entry" ("id" bigserial primary key, "account_id" varchar(64) not null, "kind" varchar(16) not null, "amount_mc" bigint not null, "balance_after_mc" bigint not null, "cycle_start" timestamptz not null, "action" varchar(128) null, "charge_id" varchar(40) null, "hold_id" varchar(40) null, "plan" varchar(64) null, "ruleset_version" varchar(64) null, "reason" text not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "ledger_entry_charge_id_index" on "ledger_entry" ("charge_id");`);
    this.addSql(`create index "ledger_entry_account_id_id_index" on "ledger_entry" ("account_id", "id");`);

    this.addSql(`create table "ruleset_activation" ("id" serial primary key, "version" varchar(64) not null, "activated_by" varchar(255) not null, "reason" varchar(16) not null, "created_at" timestamptz not null);`);

    this.addSql(`create table "ruleset_version" ("version" varchar(64) not null, "files" jsonb not null, "author" varchar(255) not null, "message" text not null, "parent_version" varchar(64) null, "created_at" timestamptz not null, constraint "ruleset_version_pkey" primary key ("version"));`);

    this.addSql(`create table "usage_counter" ("id" serial primary key, "account_id" varchar(64) not null, "action" varchar(128) not null, "cycle_start" timestamptz not null, "count" int not null);`);
    this.addSql(`alter table "usage_counter" add constraint "usage_counter_account_id_action_cycle_start_unique" unique ("account_id", "action", "cycle_start");`);

    this.addSql(`alter table "charge" add constraint "charge_account_id_foreign" foreign key ("account_id") references "account" ("id") on update restrict on delete restrict;`);

    this.addSql(`alter table "decision_log" add constraint "decision_log_account_id_foreign" foreign key ("account_id") references "account" ("id") on update restrict on delete restrict;`);

    this.addSql(`alter table "hold" add constraint "hold_account_id_foreign" foreign key ("account_id") references "account" ("id") on update restrict on delete restrict;`);

    this.addSql(`alter table "ledger_entry" add constraint "ledger_entry_account_id_foreign" foreign key ("account_id") references "account" ("id") on update restrict on delete restrict;`);

    this.addSql(`alter table "usage_counter" add constraint "usage_counter_account_id_foreign" foreign key ("account_id") references "account" ("id") on update restrict on delete restrict;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "charge" drop constraint "charge_account_id_foreign";`);

    this.addSql(`alter table "decision_log" drop constraint "decision_log_account_id_foreign";`);

    this.addSql(`alter table "hold" drop constraint "hold_account_id_foreign";`);

    this.addSql(`alter table "ledger_entry" drop constraint "ledger_entry_account_id_foreign";`);

    this.addSql(`alter table "usage_counter" drop constraint "usage_counter_account_id_foreign";`);

    this.addSql(`drop table if exists "account" cascade;`);

    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop table if exists "audit_event" cascade;`);

    this.addSql(`drop table if exists "charge" cascade;`);

    this.addSql(`drop table if exists "decision_log" cascade;`);

    this.addSql(`drop table if exists "hold" cascade;`);

    this.addSql(`drop table if exists "idempotency_record" cascade;`);

    this.addSql(`drop table if exists "ledger_entry" cascade;`);

    this.addSql(`drop table if exists "ruleset_activation" cascade;`);

    this.addSql(`drop table if exists "ruleset_version" cascade;`);

    this.addSql(`drop table if exists "usage_counter" cascade;`);
  }

}
