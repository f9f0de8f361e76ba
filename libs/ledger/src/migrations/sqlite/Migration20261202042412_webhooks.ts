import { Migration } from '@mikro-orm/migrations';

/**
 * Events and webhooks: the outbox (events written in the transaction of the change that caused them,
 * append-only), webhook endpoints, and each event's deliveries to them.
 */
export class Migration20261202042412_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`outbox\` (\`seq\` integer not null primary key autoincrement, \`id\` text not null, \`type\` text not null, \`account_id\` text null, \`body\` text not null, \`dedupe_key\` text null, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`outbox_id_unique\` on \`outbox\` (\`id\`);`);
    this.addSql(`create unique index \`outbox_dedupe_key_unique\` on \`outbox\` (\`dedupe_key\`);`);
    this.addSql(`create index \`outbox_created_at_index\` on \`outbox\` (\`created_at\`);`);
    this.addSql(`create index \`outbox_account_id_seq_index\` on \`outbox\` (\`account_id\`, \`seq\`);`);

    this.addSql(`create table \`webhook\` (\`id\` text not null, \`url\` text not null, \`events\` json not null, \`secret\` text not null, \`description\` text null, \`created_by\` text not null, \`created_at\` datetime not null, \`deleted_at\` datetime null, primary key (\`id\`));`);

    this.addSql(`create table \`webhook_delivery\` (\`id\` integer not null primary key autoincrement, \`webhook_id\` text not null, \`event_id\` text not null, \`seq\` integer not null, \`stream\` text not null, \`status\` text not null, \`attempts\` integer not null, \`next_attempt_at\` datetime not null, \`lease_until\` datetime null, \`lease_token\` text null, \`last_attempt_at\` datetime null, \`last_status\` integer null, \`last_error\` text null, \`delivered_at\` datetime null, \`origin\` text not null, \`created_at\` datetime not null, constraint \`webhook_delivery_webhook_id_foreign\` foreign key(\`webhook_id\`) references \`webhook\`(\`id\`) on delete restrict on update restrict);`);
    this.addSql(`create index \`webhook_delivery_webhook_id_index\` on \`webhook_delivery\` (\`webhook_id\`);`);
    this.addSql(`create index \`webhook_delivery_event_id_index\` on \`webhook_delivery\` (\`event_id\`);`);
    this.addSql(`create index \`webhook_delivery_webhook_id_stream_seq_index\` on \`webhook_delivery\` (\`webhook_id\`, \`stream\`, \`seq\`);`);
    this.addSql(`create index \`webhook_delivery_status_next_attempt_at_index\` on \`webhook_delivery\` (\`status\`, \`next_attempt_at\`);`);
    this.addSql("create trigger `outbox_no_update` before update on `outbox` begin select raise(abort, 'outbox is append-only'); end;");
    this.addSql("create trigger `outbox_no_delete` before delete on `outbox` begin select raise(abort, 'outbox is append-only'); end;");
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `webhook_delivery`;');
    this.addSql('drop table if exists `webhook`;');
    this.addSql('drop table if exists `outbox`;');
  }
}
