import { Migration } from '@mikro-orm/migrations';

/** Drafts and their revisions; both refuse UPDATE, DELETE and TRUNCATE (revisions are append-only, drafts never change). */
export class Migration20261202024914_drafts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "draft" ("id" varchar(40) not null, "name" varchar(200) not null, "base_version" varchar(64) null, "created_by" varchar(255) not null, "created_at" timestamptz not null, constraint "draft_pkey" primary key ("id"));`);

    this.addSql(`create table "draft_revision" ("id" serial primary key, "draft_id" varchar(40) not null, "number" int not null, "files" jsonb not null, "author" varchar(255) not null, "message" text not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "draft_revision_draft_id_index" on "draft_revision" ("draft_id");`);
    this.addSql(`alter table "draft_revision" add constraint "draft_revision_draft_id_number_unique" unique ("draft_id", "number");`);

    // ratecard_append_only() comes from the append_only migration.
    this.addSql('create trigger "draft_append_only" before update or delete or truncate on "draft" for each statement execute function ratecard_append_only();');
    this.addSql('create trigger "draft_revision_append_only" before update or delete or truncate on "draft_revision" for each statement execute function ratecard_append_only();');
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "draft_revision" cascade;`);
    this.addSql(`drop table if exists "draft" cascade;`);
  }
}
