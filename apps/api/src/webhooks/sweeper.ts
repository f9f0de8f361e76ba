import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Ledger, type SweepResult } from '@ratecard/ledger';
import type { AppConfig } from '../config';
import { CLOCK, CONFIG, type Clock } from '../tokens';

/** Accounts per sweep call; the sweeper calls again while a call finds that many. */
const LIMIT = 500;

/**
 * Time-based events for accounts nobody touches, in every API process: every `SWEEP_INTERVAL_MS`
 * it brings stale accounts up to date (`hold.expired`, `grant.expired`, the cycle's rollover) and
 * notices grants expiring within `GRANT_EXPIRING_DAYS` (`grant.expiring`), through the ledger's
 * locked operations, so several processes may sweep at once (see `Ledger.sweep`). Off when the
 * interval is 0, as in the tests, which call {@link sweepNow} with a frozen clock.
 */
@Injectable()
export class Sweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('sweeper');
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepResult>;
  private stopped = false;

  constructor(
    private readonly ledger: Ledger,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sweepIntervalMs > 0) this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Sweeps until nothing is left to do at the clock's time; returns the total. */
  async sweepNow(): Promise<SweepResult> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.sweepAll();
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async sweepAll(): Promise<SweepResult> {
    const total = { touched: 0, noticed: 0 };
    const days = this.config.grantExpiringDays;
    for (;;) {
      if (this.stopped) return total;
      const r = await this.ledger.sweep(this.clock.now(), { expiringWithinMs: days > 0 ? days * 86_400_000 : null, limit: LIMIT });
      total.touched += r.touched;
      total.noticed += r.noticed;
      if (r.touched < LIMIT && r.noticed < LIMIT) return total;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.sweepNow()
        .catch((e: unknown) => this.log.error(`sweep failed: ${(e as Error).message}`))
        .finally(() => this.schedule());
    }, this.config.sweepIntervalMs);
    this.timer.unref();
  }
}
