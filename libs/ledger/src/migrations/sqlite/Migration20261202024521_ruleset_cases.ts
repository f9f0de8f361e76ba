import { Migration } from '@mikro-orm/migrations';

/** Revisions of a version's expected-result cases: append-only, as the versions themselves. */
export class Migration20261202024521_ruleset_cases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`ruleset_cases\` (\`id\` integer not null primary key autoincrement, \`version\` text not null, \`revision\` integer not null, \`files\` json not null, \`cases\` integer not null, \`failed\` integer not null, \`force_reason\` text null, \`author\` text not null, \`message\` text not null, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`ruleset_cases_version_revision_unique\` on \`ruleset_cases\` (\`version\`, \`revision\`);`);
    this.addSql("create trigger `ruleset_cases_no_update` before update on `ruleset_cases` begin select raise(abort, 'ruleset_cases is append-only'); end;");
    this.addSql("create trigger `ruleset_cases_no_delete` before delete on `ruleset_cases` begin select raise(abort, 'ruleset_cases is append-only'); end;");
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `ruleset_cases`;');
  }
}
