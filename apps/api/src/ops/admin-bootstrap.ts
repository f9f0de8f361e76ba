import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiKeys, type AdminKeyCheck, type ConfiguredKeyProblem } from '@ratecard/ledger';
import type { AppConfig } from '../config';
import { CLOCK, CONFIG, type Clock } from '../tokens';

/**
 * At start-up, makes sure an admin key is active, so the service can always be managed:
 * - on first start (no key at all), `RATECARD_ADMIN_KEY` becomes the admin key, or a random one is
 *   created and printed once to stderr (never to the structured log);
 * - when keys exist but no admin key is active (a database from before the last admin key could no
 *   longer be revoked, or one edited by hand), the same happens, and a revoked
 *   `RATECARD_ADMIN_KEY` is restored: each said loudly in the log (warn) and audited;
 * - a `RATECARD_ADMIN_KEY` that is revoked, not an admin key, or no key of this database while
 *   another admin key is active grants nothing: the log says so (warn), so the operator is not left
 *   guessing why it is 401.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly log = new Logger('keys');

  constructor(
    private readonly keys: ApiKeys,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.report(await this.keys.ensureAdmin(this.clock.now(), this.config.adminKey));
  }

  private report(check: AdminKeyCheck): void {
    if (check.outcome !== 'restored' && check.configured) this.log.warn(configuredProblem(check.configured));
    if (check.outcome === 'restored') {
      this.log.warn(`no admin key was active: restored the revoked admin key ${check.key.id} from RATECARD_ADMIN_KEY (audited as key.restore)`);
      return;
    }
    if (check.outcome !== 'created') return;
    const { key, from, firstStart } = check;
    if (from === 'random') {
      const why = firstStart ? 'no API key existed' : 'no admin key was active';
      process.stderr.write(`\nratecard: ${why}, so an admin key was created. It is shown once; store it:\n\n  ${key.key}\n\n`);
    }
    const what = `created the admin key ${key.id}${from === 'secret' ? ' from RATECARD_ADMIN_KEY' : ' (printed once to stderr)'}`;
    if (firstStart) this.log.log(what);
    else this.log.warn(`no admin key was active: ${what}`);
  }
}

function configuredProblem(c: ConfiguredKeyProblem): string {
  switch (c.problem) {
    case 'revoked':
      return `RATECARD_ADMIN_KEY is the revoked key ${c.key.id}: it grants nothing; remove it or set it to an active admin key`;
    case 'not-admin':
      return `RATECARD_ADMIN_KEY is the ${c.key.role} key ${c.key.id}, not an admin key: it grants no admin rights`;
    case 'unknown':
      return 'RATECARD_ADMIN_KEY is no key of this database: it grants nothing while another admin key is active (it becomes the admin key only when none is)';
  }
}
