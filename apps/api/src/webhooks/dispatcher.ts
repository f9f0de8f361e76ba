import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SIGNATURE_HEADER, signWebhook } from '@ratecard/client';
import { Outbox, type ClaimedDelivery } from '@ratecard/ledger';
import type { AppConfig } from '../config';
import { CLOCK, CONFIG, type Clock } from '../tokens';
import { postWebhook } from './sender';

/** How long a delivery is retried for, counted from when it was made. */
export const RETRY_WINDOW_MS = 24 * 3_600_000;
/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 3_600_000;
/** Deliveries claimed at once. */
const BATCH = 25;

/**
 * When to try a delivery again after its `attempts`-th failure: exponential backoff from `baseMs`,
 * doubling up to an hour, with jitter (a random point in the second half of the delay, so receivers
 * coming back are not hit by every sender at once), and never past the 24-hour window; null when
 * the window is over (the delivery is given up, `failed`, and can be replayed).
 */
export function retryAt(attempts: number, createdAt: Date, now: Date, baseMs: number, random: () => number = Math.random): Date | null {
  const end = createdAt.getTime() + RETRY_WINDOW_MS;
  if (now.getTime() >= end) return null;
  const delay = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(attempts - 1, 30));
  return new Date(Math.min(end, now.getTime() + Math.round(delay / 2 + random() * (delay / 2))));
}

/** What one pass did. */
export interface DispatchPass {
  readonly claimed: number;
  readonly delivered: number;
  readonly failed: number;
}

/**
 * Delivers webhook deliveries, in every API process: claims the due ones (see `Outbox.claim`:
 * leased, in order per account), POSTs each signed body, records the outcome. At least once, with
 * the event's stable id; a process that dies mid-send leaves a lease that runs out and the
 * delivery is sent again. Runs every `WEBHOOK_DISPATCH_MS` (immediately again while there is work),
 * off when it is 0, as in the tests, which call {@link drain} with a frozen clock. Stops cleanly on
 * shutdown: no new claims, the sends under way finish and are recorded.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('webhooks');
  private timer?: NodeJS.Timeout;
  private running?: Promise<DispatchPass>;
  private stopped = false;

  constructor(
    private readonly outbox: Outbox,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhookDispatchMs > 0) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass: claims a batch of due deliveries and sends them (one per stream, so at once). */
  async runOnce(): Promise<DispatchPass> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.pass();
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  /** Passes until nothing is due (for tests with a frozen clock); returns the total. */
  async drain(): Promise<DispatchPass> {
    const total = { claimed: 0, delivered: 0, failed: 0 };
    for (;;) {
      const p = await this.runOnce();
      if (p.claimed === 0) return total;
      total.claimed += p.claimed;
      total.delivered += p.delivered;
      total.failed += p.failed;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let again = false;
    try {
      const p = await this.runOnce();
      // A delivery made lets the next one of its stream go: look again at once.
      again = p.claimed === BATCH || p.delivered > 0;
    } catch (e) {
      this.log.error(`webhook dispatch failed: ${(e as Error).message}`);
    }
    this.schedule(again ? 0 : this.config.webhookDispatchMs);
  }

  private async pass(): Promise<DispatchPass> {
    if (this.stopped) return { claimed: 0, delivered: 0, failed: 0 };
    const claimed = await this.outbox.claim(this.clock.now(), { limit: BATCH, leaseMs: this.config.webhookLeaseSeconds * 1000 });
    const outcomes = await Promise.all(claimed.map((d) => this.deliver(d)));
    return { claimed: claimed.length, delivered: outcomes.filter(Boolean).length, failed: outcomes.filter((o) => !o).length };
  }

  /** Sends one delivery and records what happened; true when it was delivered. */
  private async deliver(d: ClaimedDelivery): Promise<boolean> {
    const sentAt = this.clock.now();
    const attempt = await postWebhook(
      d.webhook.url,
      d.body,
      {
        'content-type': 'application/json',
        'user-agent': 'ratecard-webhooks/1',
        [SIGNATURE_HEADER.toLowerCase()]: signWebhook(d.body, d.webhook.secret, Math.floor(sentAt.getTime() / 1000)),
        'ratecard-event-id': d.eventId,
        'ratecard-event-type': d.eventType,
        'ratecard-delivery-id': String(d.id),
        'ratecard-delivery-attempt': String(d.attempts + 1),
      },
      { timeoutMs: this.config.webhookTimeoutMs, guard: { allowPrivate: this.config.webhookAllowPrivateUrls } },
    );
    const now = this.clock.now();
    if (attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300) {
      await this.outbox.succeeded(d, now, attempt.status);
      return true;
    }
    const error = attempt.error ?? `HTTP ${attempt.status}`;
    const next = retryAt(d.attempts + 1, d.createdAt, now, this.config.webhookRetryBaseMs);
    await this.outbox.failed(d, now, { status: attempt.status ?? null, error, retryAt: next });
    this.log.warn(`webhook ${d.webhook.id}: delivery ${d.id} of ${d.eventId} failed (${error}); ${next ? `retrying at ${next.toISOString()}` : 'given up after 24 h'}`);
    return false;
  }
}
