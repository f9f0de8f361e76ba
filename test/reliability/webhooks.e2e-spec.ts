import { randomUUID } from 'node:crypto';
import type { Client } from '../support/api';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { ApiProcess, expectRunning, startApis, stopAll, until } from '../support/processes';
import { Receiver } from '../support/receiver';

// Webhooks with the built API as real processes on a real database: a process killed with SIGKILL
// after the change committed and before the delivery was acknowledged still delivers after it
// starts again (the event is in the outbox, its lease runs out), and several processes on
// PostgreSQL deliver each event once between them, in order per account.

/** Dispatching every 20 ms; a lease of 3 s (longer than the 2 s timeout) so a killed process's claim runs out soon. */
const FAST = { WEBHOOK_DISPATCH_MS: '20', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_LEASE_SECONDS: '3', WEBHOOK_RETRY_BASE_MS: '100', SWEEP_INTERVAL_MS: '0' };

async function setUp(admin: Client, receiver: Receiver): Promise<string> {
  const hook = await admin.post('/v1/webhooks', { url: receiver.url, events: ['*'] });
  expect(hook.status).toBe(201);
  return hook.body.id;
}

async function upgrade(admin: Client): Promise<string> {
  const account = await admin.post('/v1/accounts', { id: `acct-${randomUUID().slice(0, 8)}`, plan: 'basic' });
  expect((await admin.post(`/v1/accounts/${account.body.id}/plan`, { plan: 'pro' })).status).toBe(200);
  return account.body.id;
}

describe.each(DATABASE_KINDS)('webhooks across a SIGKILL on %s', (kind) => {
  let api: ApiProcess | undefined;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await stopAll([api]);
    await receiver.stop();
  });

  it('an event committed before a SIGKILL is delivered after the restart, whether or not a delivery had started; a SIGTERM mid-delivery stops cleanly', async () => {
    const db = await freshDatabase(kind);
    // Committed with no dispatcher running, then killed: nothing was sent.
    api = await ApiProcess.start({ databaseUrl: db.url, env: { ...FAST, WEBHOOK_DISPATCH_MS: '0' } });
    await setUp(api.client(), receiver);
    const first = await upgrade(api.client());
    await api.kill('SIGKILL');

    // Restarted: it delivers; the receiver takes it and hangs, and the process is killed mid-delivery.
    receiver.answer = 'hang';
    api = await api.restart({ ...FAST });
    await until('the first event to reach the receiver', () => (receiver.requests.length >= 1 ? true : undefined));
    const second = await upgrade(api.client());
    expectRunning([api]);
    await api.kill('SIGKILL');

    // Restarted with a receiver that answers: both events arrive, in order, with their ids.
    receiver.answer = 200;
    api = await api.restart();
    const admin = api.client();
    await until(
      'both deliveries to be acknowledged',
      async () => {
        const items = (await admin.get('/v1/webhooks/deliveries')).body.items as { status: string }[];
        return items.length === 2 && items.every((d) => d.status === 'delivered') ? true : undefined;
      },
      30_000,
      50,
    );
    // In order per account (the guarantee); the two accounts' streams may interleave, as the first
    // event's retry waits for the killed delivery's lease while the second is sent at once.
    const received = receiver.events();
    const of = (account: string) => received.filter((e) => e.accountId === account);
    expect(received).toHaveLength(3);
    expect(of(first).map((e) => e.type)).toEqual(['account.plan_changed', 'account.plan_changed']);
    expect(of(second).map((e) => e.type)).toEqual(['account.plan_changed']);
    expect(of(first)[0].id).toBe(of(first)[1].id);

    // SIGTERM in the middle of a delivery: the dispatcher stops claiming, the send under way runs
    // to its timeout and is recorded, and the process exits 0; the delivery waits for its retry.
    receiver.answer = 'hang';
    const third = await upgrade(admin);
    await until('the third event to reach the receiver', () => (receiver.requests.some((r) => JSON.parse(r.body).accountId === third) ? true : undefined));
    expect(await api.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    api = await api.restart({ WEBHOOK_DISPATCH_MS: '0' });
    const [left] = (await api.client().get(`/v1/webhooks/deliveries?accountId=${third}`)).body.items;
    expect([left.status, left.attempts, left.lastError]).toEqual(['pending', 1, 'timed out after 2000 ms']);
    await api.kill('SIGTERM');
  }, 120_000);
});

describe('several processes on postgresql', () => {
  let apis: ApiProcess[] = [];
  let receiver: Receiver;
  afterAll(async () => {
    await stopAll(apis);
    await receiver?.stop();
  });

  it('deliver each event once between them, in order per account', async () => {
    const db = await freshDatabase('postgresql');
    apis = await startApis(3, db.url, { env: FAST });
    receiver = await Receiver.start();
    await setUp(apis[0].client(), receiver);
    const service = await apis[0].createKey('service');
    // 12 accounts, each with 2 site generations (the second reaches Basic's quota) and 2 refunds,
    // made through all three processes at once: 36 events.
    const accounts = Array.from({ length: 12 }, (_, i) => `acct-multi-${i}`);
    await Promise.all(
      accounts.map(async (id, i) => {
        const via = (n: number) => apis[(i + n) % apis.length].client(service);
        expect((await apis[0].client().post('/v1/accounts', { id, plan: 'basic' })).status).toBe(201);
        const a = await via(0).post('/v1/charges', { accountId: id, action: 'site.generate' }, { idempotencyKey: randomUUID() });
        const b = await via(1).post('/v1/charges', { accountId: id, action: 'site.generate' }, { idempotencyKey: randomUUID() });
        expect((await via(2).post(`/v1/charges/${a.body.id}/refund`, { amount: 1 })).status).toBe(201);
        expect((await via(0).post(`/v1/charges/${b.body.id}/refund`, { amount: 2 })).status).toBe(201);
      }),
    );
    const admin = apis[1].client();
    // (The first start's activation of the bundled rules is an event too, before the webhook existed.)
    const events = ((await admin.get('/v1/events?limit=500')).body.items as { id: string; accountId: string | null; type: string }[]).filter((e) => e.accountId !== null);
    expect(events).toHaveLength(36);
    await until('every event to be delivered', () => (new Set(receiver.events().map((e) => e.id)).size === 36 ? true : undefined), 60_000, 50);
    // Let the dispatchers run on a while: nothing is sent twice.
    await until('the dispatchers to find nothing pending', async () => ((await admin.get('/v1/webhooks/deliveries?status=pending')).body.items.length === 0 ? true : undefined), 30_000, 50);
    expectRunning(apis);

    const received = receiver.events();
    const counts = new Map<string, number>();
    for (const e of received) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    for (const id of accounts) {
      const inOrder = events.filter((e) => e.accountId === id).reverse().map((e) => e.id);
      expect({ id, got: received.filter((e) => e.accountId === id).map((e) => e.id) }).toEqual({ id, got: inOrder });
      expect(received.filter((e) => e.accountId === id).map((e) => e.type)).toEqual(['quota.reached', 'charge.refunded', 'charge.refunded']);
    }
  }, 180_000);
});
