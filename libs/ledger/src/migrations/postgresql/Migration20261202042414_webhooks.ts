import { Migration } from '@mikro-orm/migrations';

/**
 * Events and webhooks: the outbox (events written in the transaction of the change that caused them,
 * append-only), webhook endpoints, and each event's deliveries to them.
 */
export class Migration20261202042414_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "outbox" ("seq" serial primary key, "id" varchar(40) not null, "type" varchar(40) not null, "account_id" varchar(64) null, "body" text not null, "dedupe_key" varchar(160) null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(`alter table "outbox" add constraint "outbox_dedupe_key_unique" unique ("dedupe_key");`);
    this.addSql(`create index "outbox_created_at_index" on "outbox" ("created_at");`);
    this.addSql(`create index "outbox_account_id_seq_index" on "outbox" ("account_id", "seq");`);

    this.addSql(`create table "webhook" ("id" varchar(40) not null, "url" text not null, "events" jsonb not null, "secret" varchar(255) not null, "description" text null, "created_by" varchar(255) not null, "created_at" timestamptz not null, "deleted_at" timestamptz null, constraint "webhook_pkey" primary key ("id"));`);

    this.addSql(`create table "webhook_delivery" ("id" serial primary key, "webhook_id" varchar(40) not null, "event_id" varchar(40) not null, "seq" int not null, "stream" varchar(64) not null, "status" varchar(16) not null, "attempts" int not null, "next_attempt_at" timestamptz not null, "lease_until" timestamptz null, "lease_token" varchar(40) null, "last_attempt_at" timestamptz null, "last_status" int null, "last_error" text null, "delivered_at" timestamptz null, "origin" varchar(16) not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "webhook_delivery_event_id_index" on "webhook_delivery" ("event_id");`);
    this.addSql(`create index "webhook_delivery_webhook_id_stream_seq_index" on "webhook_delivery" ("webhook_id", "stream", "seq");`);
    this.addSql(`create index "webhook_delivery_status_next_attempt_at_index" on "webhook_delivery" ("status", "next_attempt_at");`);

    this.addSql(`alter table "webhook_delivery" add constraint "webhook_delivery_webhook_id_foreign" foreign key ("webhook_id") references "webhook" ("id") on update restrict on delete restrict;`);

    this.addSql(`create trigger "outbox_append_only" before update or delete or truncate on "outbox" for each statement execute function ratecard_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "webhook_delivery" drop constraint "webhook_delivery_webhook_id_foreign";`);

    this.addSql(`drop table if exists "outbox" cascade;`);

    this.addSql(`drop table if exists "webhook" cascade;`);

    this.addSql(`drop table if exists "webhook_delivery" cascade;`);
  }
}
