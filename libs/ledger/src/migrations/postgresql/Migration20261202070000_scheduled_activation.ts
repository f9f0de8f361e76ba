import { Migration } from '@mikro-orm/migrations';

/** Scheduled activations: an activation may take effect at a later instant, and a pending one may be cancelled (by a row of its own). */
export class Migration20261202070000_scheduled_activation extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "ruleset_activation" add column "effective_at" timestamptz null, add column "cancels" int null;');
  }
}
