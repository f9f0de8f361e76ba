import { Migration } from '@mikro-orm/migrations';

/** Drafts and their revisions; both refuse UPDATE and DELETE (revisions are append-only, drafts never change). */
export class Migration20261202024914_drafts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`draft\` (\`id\` text not null, \`name\` text not null, \`base_version\` text null, \`created_by\` text not null, \`created_at\` datetime not null, primary key (\`id\`));`);

    this.addSql(`create table \`draft_revision\` (\`id\` integer not null primary key autoincrement, \`draft_id\` text not null, \`number\` integer not null, \`files\` json not null, \`author\` text not null, \`message\` text not null, \`created_at\` datetime not null);`);
    this.addSql(`create index \`draft_revision_draft_id_index\` on \`draft_revision\` (\`draft_id\`);`);
    this.addSql(`create unique index \`draft_revision_draft_id_number_unique\` on \`draft_revision\` (\`draft_id\`, \`number\`);`);

    this.addSql("create trigger `draft_no_update` before update on `draft` begin select raise(abort, 'draft is append-only'); end;");
    this.addSql("create trigger `draft_no_delete` before delete on `draft` begin select raise(abort, 'draft is append-only'); end;");
    this.addSql("create trigger `draft_revision_no_update` before update on `draft_revision` begin select raise(abort, 'draft_revision is append-only'); end;");
    this.addSql("create trigger `draft_revision_no_delete` before delete on `draft_revision` begin select raise(abort, 'draft_revision is append-only'); end;");
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `draft_revision`;');
    this.addSql('drop table if exists `draft`;');
  }
}
