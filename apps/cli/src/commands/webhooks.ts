import { isEventType } from '@ratecard/client';
import { Outbox, Webhooks, type DeliveryFilter, type DeliveryView } from '@ratecard/ledger';
import { cliCaller, withStore } from '../db';
import { EXIT, UsageError, type CliIo } from '../io';

const STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;

export interface WebhooksOptions {
  readonly event?: string;
  readonly webhook?: string;
  readonly account?: string;
  readonly status?: string;
  readonly type?: string;
  readonly limit?: string;
  readonly all: boolean;
  readonly json: boolean;
}

function limitOf(raw: string | undefined): number {
  const n = raw === undefined ? 50 : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new UsageError('--limit takes a whole number from 1 to 500');
  return n;
}

function deliveryLine(d: DeliveryView): string {
  const when = d.status === 'pending' ? `next ${d.nextAttemptAt}` : d.status === 'delivered' ? `at ${d.deliveredAt}` : `last ${d.lastAttemptAt ?? '-'}`;
  const last = d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '');
  return `${String(d.id).padStart(6)}  ${d.status.padEnd(9)}  ${d.eventId}  ${d.eventType.padEnd(20)}  ${(d.accountId ?? '-').padEnd(16)}  ${d.webhookId}  attempts ${String(d.attempts).padEnd(3)}  ${when}${d.status !== 'delivered' && last ? `  (${last})` : ''}${d.origin === 'replay' ? '  replay' : ''}`;
}

/**
 * `ratecard webhooks list|deliveries|events|replay <event>`: the webhooks registered (never their
 * secrets), their deliveries newest first, the events written, and sending an event again (new
 * deliveries with the same id and body, picked up by the running service's dispatcher).
 */
export async function webhooks(io: CliIo, args: string[], opts: WebhooksOptions): Promise<number> {
  const [verb, id, ...extra] = args;
  if (extra.length) throw new UsageError(`unexpected \`${extra[0]}\``);
  if (verb === 'list') {
    return withStore(
      io,
      async ({ db }) => {
        const list = await new Webhooks(db, { allowPrivate: false }).list({ all: opts.all });
        if (opts.json) io.out(JSON.stringify(list, null, 2));
        else if (list.length === 0) io.out('no webhooks');
        else for (const w of list) io.out(`${w.id}  ${w.deletedAt ? `deleted ${w.deletedAt.slice(0, 10)}` : 'active    '}  ${w.url}  ${w.events.join(',')}${w.description ? `  (${w.description})` : ''}`);
        return EXIT.ok;
      },
      { mustExist: true },
    );
  }
  if (verb === 'deliveries') {
    if (opts.status !== undefined && !(STATUSES as readonly string[]).includes(opts.status)) throw new UsageError(`--status is one of ${STATUSES.join(', ')}`);
    const filter: DeliveryFilter = {
      limit: limitOf(opts.limit),
      ...(opts.event ? { eventId: opts.event } : {}),
      ...(opts.webhook ? { webhookId: opts.webhook } : {}),
      ...(opts.account ? { accountId: opts.account } : {}),
      ...(opts.status ? { status: opts.status as DeliveryFilter['status'] } : {}),
    };
    return withStore(
      io,
      async ({ db }) => {
        const page = await new Outbox(db).deliveries(filter);
        if (opts.json) io.out(JSON.stringify(page.items, null, 2));
        else if (page.items.length === 0) io.out('no deliveries');
        else for (const d of page.items) io.out(deliveryLine(d));
        return EXIT.ok;
      },
      { mustExist: true },
    );
  }
  if (verb === 'events') {
    if (opts.type !== undefined && !isEventType(opts.type)) throw new UsageError(`\`${opts.type}\` is not an event type`);
    return withStore(
      io,
      async ({ db }) => {
        const page = await new Outbox(db).events({ limit: limitOf(opts.limit), ...(opts.account ? { accountId: opts.account } : {}), ...(opts.type ? { type: opts.type } : {}) });
        if (opts.json) io.out(JSON.stringify(page.items, null, 2));
        else if (page.items.length === 0) io.out('no events');
        else for (const e of page.items) io.out(`${e.id}  ${e.createdAt}  ${e.type.padEnd(20)}  ${e.accountId ?? '-'}  ${JSON.stringify(e.data)}`);
        return EXIT.ok;
      },
      { mustExist: true },
    );
  }
  if (verb === 'replay') {
    if (!id) throw new UsageError('webhooks replay needs an event id, e.g. `ratecard webhooks replay evt_AbC...`');
    return withStore(
      io,
      async ({ db }) => {
        const made = await new Outbox(db).replay(id, opts.webhook ? { webhookId: opts.webhook } : {}, io.now(), cliCaller(io));
        if (opts.json) io.out(JSON.stringify(made, null, 2));
        else if (made.length === 0) io.out(`no webhook is subscribed to ${id}'s type: nothing to send (name one with --webhook)`);
        else io.out(`replaying ${id} to ${made.map((d) => d.webhookId).join(', ')}: the service's dispatcher sends it (deliveries ${made.map((d) => d.id).join(', ')})`);
        return EXIT.ok;
      },
      { mustExist: true },
    );
  }
  throw new UsageError('webhooks takes `list [--all]`, `deliveries [--event E] [--webhook W] [--account A] [--status S]`, `events [--account A] [--type T]` or `replay <event> [--webhook W]`');
}
