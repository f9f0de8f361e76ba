import { Migration } from '@mikro-orm/migrations';

/** Revisions of a version's expected-result cases: append-only, as the versions themselves. */
export class Migration20261202024521_ruleset_cases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "ruleset_cases" ("id" serial primary key, "version" varchar(64) not null, "revision" int not null, "files" jsonb not null, "cases" int not null, "failed" int not null, "force_reason" text null, "author" varchar(255) not null, "message" text not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "ruleset_cases" add constraint "ruleset_cases_version_revision_unique" unique ("version", "revision");`);
    // The function comes from the append_only migration.
    this.addSql(`create trigger "ruleset_cases_append_only" before update or delete or truncate on "ruleset_cases" for each statement execute function ratecard_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "ruleset_cases" cascade;`);
  }
}
