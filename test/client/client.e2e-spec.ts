import { RatecardClient, RatecardError, RatecardUnavailableError, type ClientClock } from '@ratecard/client';
import { bundledRulesWith, mc, useApi } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { FlakyProxy } from '../support/flaky-proxy';

/** The client's time: sleeps are recorded and pass at once (tests never sleep). */
class VirtualTime implements ClientClock {
  t = 1_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

describe.each(DATABASE_KINDS)('@ratecard/client against the service on %s', (kind) => {
  const api = useApi(kind);
  let proxy: FlakyProxy;
  let time: VirtualTime;
  const client = (over: Partial<ConstructorParameters<typeof RatecardClient>[0]> = {}) => new RatecardClient({ baseUrl: proxy.url, apiKey: api.service.key!, clock: time, ...over });

  beforeAll(async () => {
    proxy = await FlakyProxy.start(api.url);
  });
  afterAll(() => proxy.stop());
  beforeEach(() => {
    time = new VirtualTime();
    proxy.script = [];
    proxy.requests.length = 0;
  });

  describe('charges', () => {
    it('charges once per idempotency key: the same operation id again replays the first answer', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      const sut = client();
      const first = await sut.charge({ accountId: account.id, action: 'video.generate', params: { seconds: 8 } }, { idempotencyKey: 'render:42' });
      const again = await sut.charge({ accountId: account.id, action: 'video.generate', params: { seconds: 8 } }, { idempotencyKey: 'render:42' });
      expect(first.allowed && again.allowed && [first.charge.cost, first.replayed, again.replayed, again.charge.id === first.charge.id]).toEqual([256, false, true, true]);
      expect((await api.account(account.id)).balance).toBe(1500 - 256);
    });

    it('always sends a key: two calls without one are two charges', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      const sut = client();
      await sut.charge({ accountId: account.id, action: 'image.generate' });
      await sut.charge({ accountId: account.id, action: 'image.generate' });
      const keys = proxy.requests.map((r) => r.headers['idempotency-key']);
      expect(keys).toEqual([expect.any(String), expect.any(String)]);
      expect(new Set(keys).size).toBe(2);
    });

    it('returns a denial as a typed result with reasons and the problem, and charges nothing', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      const before = await api.snapshot(account.id);
      const r = await client().charge({ accountId: account.id, action: 'video.generate', params: { seconds: 8, resolution: '4k' } });
      expect(r.allowed).toBe(false);
      if (r.allowed) return;
      expect(r.reasons.map((x) => x.code)).toEqual(['PLAN_REQUIRED']);
      expect([r.problem.status, r.problem.code, r.decision.allowed, Array.isArray(r.alternatives)]).toEqual([403, 'PLAN_REQUIRED', false, true]);
      expect(await api.snapshot(account.id)).toEqual(before);
    });

    it('throws other problems as RatecardError with the problem document', async () => {
      const e = await client()
        .charge({ accountId: 'nobody-here', action: 'image.generate' })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RatecardError);
      expect([(e as RatecardError).status, (e as RatecardError).code, (e as RatecardError).problem.detail]).toEqual([404, 'ACCOUNT_NOT_FOUND', 'account `nobody-here` does not exist']);
    });
  });

  describe('retries', () => {
    it('retries a lost answer, a 503 and a 429 with the same key and body, honours Retry-After, and debits once', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      proxy.script = ['forward-then-reset', { status: 503 }, { status: 429, headers: { 'retry-after': '7' } }];
      const r = await client().charge({ accountId: account.id, action: 'video.generate', params: { seconds: 8 } }, { idempotencyKey: 'job-7' });
      expect(r.allowed && [r.charge.cost, r.replayed]).toEqual([256, true]);
      expect(proxy.requests.map((p) => [p.headers['idempotency-key'], p.body])).toEqual(Array(4).fill(['job-7', JSON.stringify({ accountId: account.id, action: 'video.generate', params: { seconds: 8 } })]));
      expect(time.sleeps).toHaveLength(3);
      expect(time.sleeps[2]).toBe(7000);
      expect(time.sleeps.slice(0, 2).every((ms) => ms >= 0 && ms <= 400)).toBe(true);
      expect((await api.account(account.id)).balance).toBe(1500 - 256);
      expect(await api.ledgerProblems()).toEqual([]);
    });

    it('retries a timeout (no answer within timeoutMs) with the same key', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      proxy.script = ['hang'];
      const r = await client({ timeoutMs: 1000 }).charge({ accountId: account.id, action: 'image.generate' });
      expect(r.allowed && r.charge.cost).toBe(18);
      // The first attempt hung; the next ones (more than one only if this machine is slower than 1 s) carried the same key.
      expect(proxy.requests[0].step).toBe('hang');
      expect(proxy.requests.length).toBeGreaterThanOrEqual(2);
      expect(new Set(proxy.requests.map((p) => p.headers['idempotency-key'])).size).toBe(1);
      expect((await api.account(account.id)).balance).toBe(1500 - 18);
    }, 30_000);

    it('gives up within the time budget with RatecardUnavailableError, the last failure as its cause', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      proxy.script = Array(50).fill({ status: 503 });
      const e = await client({ retry: { maxElapsedMs: 10_000, baseDelayMs: 500, maxDelayMs: 4_000, maxAttempts: 50 } })
        .charge({ accountId: account.id, action: 'image.generate' })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RatecardUnavailableError);
      expect(((e as RatecardUnavailableError).cause as RatecardError).status).toBe(503);
      expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
      expect((e as RatecardUnavailableError).attempts).toBe(proxy.requests.length);
      expect((await api.account(account.id)).balance).toBe(1500);
    });

    it('a capture whose answer was lost is found captured on retry and returned, charged once', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      const sut = client();
      const held = await sut.hold({ accountId: account.id, action: 'video.generate', params: { seconds: 8 } });
      if (!held.allowed) throw new Error('denied');
      proxy.script = ['forward-then-reset'];
      const captured = await sut.capture(held.hold.id, { params: { seconds: 5 } });
      expect([captured.charge.cost, captured.hold.status]).toEqual([160, 'captured']);
      expect((await api.account(account.id)).balance).toBe(1500 - 160);
    });

    it('does not retry a 4xx', async () => {
      await client()
        .account('nobody-here')
        .catch(() => undefined);
      expect([proxy.requests.length, time.sleeps]).toEqual([1, []]);
    });
  });

  describe('withHold', () => {
    it('holds the quoted cost, runs the job, and captures the params it ended with', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      const r = await client().withHold(account.id, 'video.generate', { seconds: 8 }, async (hold, usage) => {
        expect((await api.account(account.id)).held).toBe(256);
        expect(hold.amount).toBe(256);
        usage.params({ seconds: 6 });
        return 'rendered';
      });
      expect(r.allowed && [r.result, r.charge.cost, r.hold.status]).toEqual(['rendered', 192, 'captured']);
      const after = await api.account(account.id);
      expect([after.balance, after.held]).toEqual([1500 - 192, 0]);
    });

    it('releases the hold when the job fails, and rethrows', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      let holdId = '';
      const e = await client()
        .withHold(account.id, 'video.generate', { seconds: 8 }, async (hold) => {
          holdId = hold.id;
          throw new Error('render farm on fire');
        })
        .catch((x: unknown) => x);
      expect((e as Error).message).toBe('render farm on fire');
      expect((await api.service.get(`/v1/holds/${holdId}`)).body.status).toBe('released');
      expect((await api.account(account.id)).balance).toBe(1500);
    });

    it('does not run the job on a denial', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      let ran = false;
      const r = await client().withHold(account.id, 'video.generate', { seconds: 60 }, async () => {
        ran = true;
      });
      expect([r.allowed, ran]).toEqual([false, false]);
    });

    it('a crash between hold and capture leaves a hold that expires by itself, giving everything back', async () => {
      const account = await api.createAccount({ plan: 'basic' });
      // The process "dies" inside the job: neither capture nor release is ever sent.
      void client().withHold(account.id, 'video.generate', { seconds: 8 }, () => new Promise(() => undefined), { ttlSeconds: 120, operationId: 'job-crash' });
      await until(async () => (await api.account(account.id)).held === 256);
      api.clock.advance({ minutes: 3 });
      const after = await api.account(account.id);
      expect([after.balance, after.held]).toEqual([1500, 0]);
    });
  });

  describe('local quotes', () => {
    it('loads the active rules, compiles them in-process and prices as the service does', async () => {
      const rules = await client().localRules({ watch: false });
      expect(rules.version).toBe((await api.anonymous.get('/health')).body.rulesetVersion);
      const account = await api.createAccount({ plan: 'pro' });
      // The service decides with the account's state; the local quote is given the same.
      const requests = [
        { action: 'video.generate', params: { seconds: 8 } },
        { action: 'video.generate', params: { seconds: 8, resolution: '4k' } },
        { action: 'image.generate', params: { model: 'flux-pro' } },
        { action: 'site.generate' },
        { action: 'chat.edit' },
        { action: 'no.such.action' },
      ];
      const sut = client();
      for (const req of requests) {
        const served = await sut.decide({ accountId: account.id, ...req });
        const local = rules.quote({ plan: 'pro', ...req, balanceMillicredits: mc(5000), at: api.clock.now() });
        expect({ req, allowed: local.allowed, cost: local.costMillicredits, reasons: local.reasons.map((x) => x.code) }).toEqual({ req, allowed: served.allowed, cost: served.costMillicredits, reasons: served.reasons.map((x) => x.code) });
      }
    });

    it('the bundle is cacheable: 304 for the version you have, immutable under a full version id', async () => {
      const first = await api.service.get('/v1/rulesets/active/bundle');
      expect([first.status, first.headers.etag, first.headers['cache-control']]).toEqual([200, `"${first.body.version}"`, 'no-cache']);
      expect(first.body.files.some((f: { path: string }) => f.path.endsWith('.test.yaml'))).toBe(false);
      const again = await api.service.get('/v1/rulesets/active/bundle', { headers: { 'if-none-match': first.headers.etag } });
      expect([again.status, again.body]).toEqual([304, '']);
      const pinned = await api.service.get(`/v1/rulesets/${first.body.version}/bundle`);
      expect(pinned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    });

    it('long-polls for an activation, and a charge priced by a newer version refreshes stale local rules', async () => {
      const stale: [string, string][] = [];
      const sut = client({ onStaleRules: (served, local) => stale.push([served, local]) });
      const rules = await sut.localRules({ watch: false });
      const before = rules.version;
      // Another client learns of the activation by long-polling.
      const watcher = await client().localRules({ watch: false });
      const polled = watcher.refresh({ waitSeconds: 20 });
      const files = await bundledRulesWith('editing.yaml', 'description: AI suggests 5–8 site ideas\n    price: 1 cr', 'description: AI suggests 5–8 site ideas\n    price: 2 cr');
      const published = await api.admin.post('/v1/rulesets', { files, message: 'brainstorms at 2 cr', activate: true });
      expect(published.status).toBe(201);
      const versionB = published.body.version as string;
      expect(await polled).toBe(true);
      expect(watcher.version).toBe(versionB);

      const account = await api.createAccount({ plan: 'basic' });
      const r = await sut.charge({ accountId: account.id, action: 'chat.edit' });
      expect(r.allowed && r.charge.rulesetVersion).toBe(versionB);
      expect(stale).toEqual([[versionB, before]]);
      await until(() => rules.version === versionB);
      await api.admin.post('/v1/rulesets/rollback', {});
    }, 60_000);
  });
});

/** Polls a condition (real work in flight, no fixed sleep). */
async function until(probe: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
