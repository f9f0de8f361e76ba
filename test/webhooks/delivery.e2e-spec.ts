import { verifyWebhook, type WebhookVerificationError } from '@ratecard/client';
import { WebhookDispatcher } from '../../apps/api/src/webhooks/dispatcher';
import { Sweeper } from '../../apps/api/src/webhooks/sweeper';
import { bundledRulesWith, expectProblem, useApi, type ApiHarness } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { Receiver } from '../support/receiver';

// Events delivered to a real HTTP receiver by the service's own dispatcher, driven with the frozen
// clock (`drain()`: deliver everything due now). Basic warns at 20% of its 1,500 cr allowance.
const LOW_BALANCE = ['plans.yaml', 'allowance: 1,500 cr', 'allowance: 1,500 cr\n    lowBalance: [20%]'] as const;

async function withThresholds(api: ApiHarness): Promise<void> {
  const res = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith(...LOW_BALANCE), message: 'basic warns at 20%', activate: true });
  expect([res.status, res.body.activated]).toEqual([201, true]);
}

async function register(api: ApiHarness, receiver: Receiver, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const res = await api.admin.post('/v1/webhooks', { url: receiver.url, events });
  expect(res.status).toBe(201);
  return res.body;
}

const drain = (api: ApiHarness) => api.get(WebhookDispatcher).drain();

describe.each(DATABASE_KINDS)('webhooks on %s', (kind) => {
  const api = useApi(kind);
  let receiver: Receiver;
  let hook: { id: string; secret: string };

  beforeAll(async () => {
    await withThresholds(api);
    receiver = await Receiver.start();
    hook = await register(api, receiver);
  }, 60_000);
  afterAll(() => receiver.stop());
  beforeEach(async () => {
    // Whatever earlier tests left pending is delivered now, so each test sees only its own events.
    receiver.answer = 200;
    await drain(api);
    receiver.requests.length = 0;
  });

  const mine = (accountId: string) => receiver.events().filter((e) => e.accountId === accountId);

  it('registers a webhook: the secret is shown once, never listed; unknown event types are a 400', async () => {
    expect(hook.secret).toMatch(/^whsec_/);
    const listed = await api.admin.get('/v1/webhooks');
    expect(listed.body.find((w: { id: string }) => w.id === hook.id)).toEqual({ id: hook.id, url: receiver.url, events: ['*'], description: null, createdBy: expect.stringMatching(/^key_/), createdAt: expect.any(String), deletedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
    expect((await api.auditor.get(`/v1/webhooks/${hook.id}`)).body.id).toBe(hook.id);
    expectProblem(await api.admin.post('/v1/webhooks', { url: receiver.url, events: ['balance.lo'] }), 400, 'INVALID_REQUEST');
    expectProblem(await api.admin.post('/v1/webhooks', { url: 'ftp://example.com/x', events: ['*'] }), 422, 'WEBHOOK_URL_REFUSED');
    expectProblem(await api.admin.get('/v1/webhooks/wh_nope'), 404, 'WEBHOOK_NOT_FOUND');
  });

  it('crossing a threshold fires exactly one balance.low, signed, with a stable id; crossing it again after a top-up fires one more', async () => {
    const account = await api.createAccount({ plan: 'basic' });
    // 1,500 → 1,244 → 988 → 732 → 476 → 220 (below 300: the crossing) → no more video; images below it fire nothing.
    for (let i = 0; i < 5; i++) expect((await api.charge({ accountId: account.id, action: 'video.generate' })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await api.charge({ accountId: account.id, action: 'image.generate' })).status).toBe(201);
    await drain(api);
    let events = mine(account.id);
    expect(events.map((e) => [e.type, e.data.rule, e.data.previousBalance, e.data.balance])).toEqual([['balance.low', '20%', 476, 220]]);

    const request = receiver.requests.find((r) => JSON.parse(r.body).accountId === account.id)!;
    const verified = verifyWebhook(request.body, request.headers['ratecard-signature'], hook.secret, { now: api.clock.now() });
    expect(verified.id).toBe(events[0].id);
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'ratecard-event-id': events[0].id, 'ratecard-event-type': 'balance.low', 'ratecard-delivery-attempt': '1' });

    // Back up to 400 (at or above the threshold again), then one video takes it below: a new crossing.
    const { balance } = await api.account(account.id);
    expect((await api.admin.post(`/v1/accounts/${account.id}/grants`, { amount: 400 - balance, reason: 'top-up' })).status).toBe(201);
    await drain(api);
    expect(mine(account.id)).toHaveLength(1);
    expect((await api.charge({ accountId: account.id, action: 'video.generate' })).status).toBe(201);
    await drain(api);
    events = mine(account.id);
    expect(events.map((e) => e.type)).toEqual(['balance.low', 'balance.low']);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    // The outbox has exactly these, each delivered once.
    const listed = (await api.admin.get(`/v1/events?accountId=${account.id}&type=balance.low`)).body.items;
    expect(listed.map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id).reverse());
    const deliveries = (await api.admin.get(`/v1/webhooks/deliveries?accountId=${account.id}`)).body.items;
    expect(deliveries.map((d: { status: string; attempts: number }) => [d.status, d.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
  });

  it('the verification helper detects a delivery whose body, signature or secret is not the one sent', async () => {
    const account = await api.createAccount({ plan: 'basic' });
    await api.admin.post(`/v1/accounts/${account.id}/plan`, { plan: 'pro' });
    await drain(api);
    const request = receiver.requests.find((r) => JSON.parse(r.body).accountId === account.id)!;
    const header = request.headers['ratecard-signature'];
    const check = (body: string, sig: string, secret: string) => {
      try {
        verifyWebhook(body, sig, secret, { now: api.clock.now() });
        return 'ok';
      } catch (e) {
        return (e as WebhookVerificationError).reason;
      }
    };
    expect(check(request.body, header, hook.secret)).toBe('ok');
    expect(check(request.body.replace('"to":"pro"', '"to":"premium"'), header, hook.secret)).toBe('signature-mismatch');
    expect(check(request.body, header.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`), hook.secret)).toBe('signature-mismatch');
    expect(check(request.body, header, 'whsec_someone_elses_secret')).toBe('signature-mismatch');
    expect(verifyWebhook.bind(null, request.body, header, hook.secret, { now: new Date(api.clock.now().getTime() + 3_600_000) })).toThrow(/more than 300 s from now/);
  });

  it('a receiver that is down gets every event after it comes back, in order; the account waits behind its first', async () => {
    const account = await api.createAccount({ plan: 'basic' });
    await receiver.down();
    try {
      const charge = await api.charge({ accountId: account.id, action: 'site.generate' });
      await api.charge({ accountId: account.id, action: 'site.generate' }); // quota.reached
      await api.service.post(`/v1/charges/${charge.body.id}/refund`, { amount: 10 }); // charge.refunded
      await api.admin.post(`/v1/accounts/${account.id}/plan`, { plan: 'pro' }); // account.plan_changed
      const passed = await drain(api);
      expect(passed.delivered).toBe(0);
      const pending = (await api.admin.get(`/v1/webhooks/deliveries?accountId=${account.id}`)).body.items.reverse();
      expect(pending.map((d: { status: string; attempts: number; lastError: string | null }) => [d.status, d.attempts, d.lastError !== null])).toEqual([
        ['pending', 1, true],
        ['pending', 0, false],
        ['pending', 0, false],
      ]);
    } finally {
      await receiver.up();
    }
    // Hours later, everything arrives, in the order it happened.
    api.clock.advance({ hours: 3 });
    await drain(api);
    expect(mine(account.id).map((e) => e.type)).toEqual(['quota.reached', 'charge.refunded', 'account.plan_changed']);
    const attempts = receiver.requests.filter((r) => JSON.parse(r.body).accountId === account.id).map((r) => r.headers['ratecard-delivery-attempt']);
    expect(attempts).toEqual(['2', '1', '1']);
  });

  it('retries a failing answer with backoff, gives up after 24 hours (failed), and a replay delivers the same event again', async () => {
    const account = await api.createAccount({ plan: 'basic' });
    receiver.answer = 500;
    await api.charge({ accountId: account.id, action: 'site.generate' });
    await api.charge({ accountId: account.id, action: 'site.generate' });
    await drain(api);
    let [delivery] = (await api.admin.get(`/v1/webhooks/deliveries?accountId=${account.id}`)).body.items;
    expect([delivery.status, delivery.attempts, delivery.lastStatus, delivery.lastError]).toEqual(['pending', 1, 500, 'HTTP 500']);
    const first = new Date(delivery.nextAttemptAt).getTime() - api.clock.now().getTime();
    // The first retry waits 5-10 s (WEBHOOK_RETRY_BASE_MS 10 s, jittered); nothing is due before.
    expect(first).toBeGreaterThanOrEqual(5_000);
    expect(first).toBeLessThanOrEqual(10_000);
    for (let hour = 0; hour < 25; hour++) {
      api.clock.advance({ hours: 1 });
      await drain(api);
    }
    [delivery] = (await api.admin.get(`/v1/webhooks/deliveries?accountId=${account.id}`)).body.items;
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toBeGreaterThan(10);
    const sent = receiver.requests.filter((r) => JSON.parse(r.body).accountId === account.id);
    expect(new Set(sent.map((r) => r.body)).size).toBe(1);

    receiver.answer = 200;
    const replay = await api.admin.post(`/v1/events/${delivery.eventId}/replay`, {});
    expect(replay.status).toBe(201);
    expect(replay.body.map((d: { origin: string; webhookId: string }) => [d.origin, d.webhookId])).toEqual([['replay', hook.id]]);
    await drain(api);
    const last = receiver.requests[receiver.requests.length - 1];
    expect([JSON.parse(last.body).id, last.body]).toEqual([delivery.eventId, sent[0].body]);
    const event = (await api.auditor.get(`/v1/events/${delivery.eventId}`)).body;
    expect(event.deliveries.map((d: { status: string; origin: string }) => [d.origin, d.status])).toEqual([
      ['event', 'failed'],
      ['replay', 'delivered'],
    ]);
  });

  it('the sweeper expires holds and grants of accounts nobody touches, and notices grants about to expire once', async () => {
    const account = await api.createAccount({ plan: 'basic' });
    const hold = await api.hold({ accountId: account.id, action: 'video.generate', ttlSeconds: 60 });
    expect(hold.status).toBe(201);
    await api.admin.post(`/v1/accounts/${account.id}/grants`, { amount: 100, reason: 'trial', expiresAt: '2026-03-25T00:00:00Z' });
    api.clock.advance({ minutes: 5 });
    await api.get(Sweeper).sweepNow();
    await drain(api);
    expect(mine(account.id).map((e) => [e.type, e.data.grantId ?? e.data.holdId])).toEqual([
      ['hold.expired', hold.body.id],
      ['grant.expiring', expect.stringMatching(/^gr_/)],
    ]);
    await api.get(Sweeper).sweepNow();
    api.clock.set('2026-03-26T00:00:00Z');
    await api.get(Sweeper).sweepNow();
    await drain(api);
    expect(mine(account.id).map((e) => e.type)).toEqual(['hold.expired', 'grant.expiring', 'grant.expired']);
  });

  it('deleting a webhook cancels its pending deliveries and sends it nothing more', async () => {
    const other = await Receiver.start();
    try {
      const second = await register(api, other, ['charge.refunded']);
      await other.down();
      const account = await api.createAccount({ plan: 'basic' });
      const charge = await api.charge({ accountId: account.id, action: 'site.generate' });
      await api.service.post(`/v1/charges/${charge.body.id}/refund`, {});
      await drain(api);
      expect((await api.admin.delete(`/v1/webhooks/${second.id}`)).body.deletedAt).not.toBeNull();
      await other.up();
      api.clock.advance({ hours: 2 });
      await api.service.post(`/v1/charges/${(await api.charge({ accountId: account.id, action: 'site.generate' })).body.id}/refund`, {});
      await drain(api);
      expect(other.requests).toEqual([]);
      const statuses = (await api.admin.get(`/v1/webhooks/deliveries?webhookId=${second.id}`)).body.items.map((d: { status: string }) => d.status);
      expect(statuses).toEqual(['cancelled']);
    } finally {
      await other.stop();
    }
  });

  it('an activation is a ruleset.activated event', async () => {
    const before = (await api.anonymous.get('/health')).body.rulesetVersion;
    const res = await api.admin.post('/v1/rulesets/rollback', {});
    expect(res.status).toBe(200);
    await drain(api);
    const activated = receiver.events().filter((e) => e.type === 'ruleset.activated');
    expect(activated.map((e) => [e.accountId, e.data.previous, e.data.how])).toEqual([[null, before, 'rollback']]);
    await withThresholds(api);
  }, 60_000);
});
