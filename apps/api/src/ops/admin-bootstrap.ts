import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ApiKeys } from '@ratecard/ledger';
import type { AppConfig } from '../config';
import { CLOCK, CONFIG, type Clock } from '../tokens';

/**
 * On first start (no usable key in the database), creates an admin key: `RATECARD_ADMIN_KEY` when
 * set, otherwise a random one printed once to stderr, never to the structured log.
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
    if ((await this.keys.activeCount()) > 0) return;
    try {
      const created = await this.keys.create('first admin', 'admin', this.clock.now(), { actor: 'system' }, this.config.adminKey);
      if (this.config.adminKey) this.log.log(`created the admin key ${created.id} from RATECARD_ADMIN_KEY`);
      else {
        process.stderr.write(`\nratecard: no API key existed, so an admin key was created. It is shown once; store it:\n\n  ${created.key}\n\n`);
        this.log.log(`created the admin key ${created.id}`);
      }
    } catch (e) {
      // Another process created the same RATECARD_ADMIN_KEY first.
      if (!(e instanceof UniqueConstraintViolationException)) throw e;
    }
  }
}

