import { randomBytes, randomUUID } from 'node:crypto';
import { bundledRulesWith, useApi, type ApiHarness, type Client, type Json, type Reply } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { readRuleFiles } from '../support/rules';

/*
 * Who may call what. Every /v1 route needs `Authorization: Bearer <key>`: no key, a revoked key and
 * a garbage key are 401 UNAUTHENTICATED everywhere; a valid key whose role may not call the route is
 * 403 FORBIDDEN. Either way the request changes nothing. The intended matrix (✓ = 2xx, · = 403):
 *
 *   route                                  service  admin  auditor
 *   POST   /v1/accounts                       ·       ✓       ·
 *   GET    /v1/accounts/:id                   ✓       ✓       ✓
 *   GET    /v1/accounts/:id/ledger            ·       ✓       ✓
 *   POST   /v1/accounts/:id/plan              ·       ✓       ·
 *   POST   /v1/accounts/:id/grants            ·       ✓       ·
 *   GET    /v1/accounts/:id/grants            ✓       ✓       ✓
 *   POST   /v1/accounts/:id/packs             ✓       ✓       ·
 *   POST   /v1/decisions                      ✓       ·       ·
 *   GET    /v1/decisions (the log)            ·       ✓       ✓
 *   POST   /v1/charges                        ✓       ·       ·
 *   GET    /v1/charges/:id                    ✓       ✓       ✓
 *   POST   /v1/charges/:id/refund             ✓       ·       ·
 *   POST   /v1/holds                          ✓       ·       ·
 *   GET    /v1/holds/:id                      ✓       ✓       ✓
 *   POST   /v1/holds/:id/capture              ✓       ·       ·
 *   POST   /v1/holds/:id/release              ✓       ·       ·
 *   POST   /v1/keys                           ·       ✓       ·
 *   GET    /v1/keys                           ·       ✓       ·
 *   DELETE /v1/keys/:id                       ·       ✓       ·
 *   GET    /v1/whoami                         ✓       ✓       ✓
 *   GET    /v1/rulesets                       ·       ✓       ✓
 *   POST   /v1/rulesets                       ·       ✓       ·
 *   GET    /v1/rulesets/activations           ·       ✓       ✓
 *   POST   /v1/rulesets/activations/:id/cancel ·      ✓       ·
 *   GET    /v1/rulesets/diff                  ·       ✓       ✓
 *   POST   /v1/rulesets/impact                ·       ✓       ✓
 *   POST   /v1/rulesets/rollback              ·       ✓       ·
 *   GET    /v1/rulesets/:version              ·       ✓       ✓
 *   GET    /v1/rulesets/:version/cases        ·       ✓       ✓
 *   GET    /v1/rulesets/:version/activation-report  ·  ✓       ✓
 *   POST   /v1/rulesets/:version/activate     ·       ✓       ·
 *   GET    /v1/rulesets/:version/bundle       ✓       ✓       ✓
 *   GET    /v1/audit                          ·       ✓       ✓
 *   GET    /v1/accounts                       ·       ✓       ✓
 *   GET    /v1/charges/:id/entries            ·       ✓       ✓
 *   POST   /v1/rulesets/validate|test|quote|diff ·    ✓       ✓   (the rule workbench: reads, writes nothing)
 *   GET    /v1/rulesets/:version/rules|table|grid ·   ✓       ✓
 *   POST   /v1/drafts                         ·       ✓       ·
 *   GET    /v1/drafts, /v1/drafts/:id         ·       ✓       ✓
 *   POST   /v1/drafts/:id/revisions           ·       ✓       ·
 *   POST   /v1/webhooks                       ·       ✓       ·
 *   GET    /v1/webhooks                       ·       ✓       ✓
 *   GET    /v1/webhooks/deliveries            ·       ✓       ✓
 *   GET    /v1/webhooks/:id                   ·       ✓       ✓
 *   DELETE /v1/webhooks/:id                   ·       ✓       ·
 *   GET    /v1/events                         ·       ✓       ✓
 *   GET    /v1/events/:id                     ·       ✓       ✓
 *   POST   /v1/events/:id/replay              ·       ✓       ·
 *
 * In short: service keys decide, charge, hold and refund, and read charges, holds, accounts and
 * the active rules' bundle (for local quotes); admin keys manage accounts, plans, grants, keys, rule
 * sets and webhooks and read everything but never charge; auditor keys only read (accounts,
 * ledgers, the decision log, rule sets, the audit trail, webhooks, events and deliveries; an impact
 * preview is a read: it replays the log and writes nothing).
 * /health, /metrics, /docs and /docs/openapi.json are public: any caller, even with a bad key.
 */

type Caller = 'service' | 'admin' | 'auditor' | 'none' | 'revoked' | 'garbage';
const CALLERS: readonly Caller[] = ['service', 'admin', 'auditor', 'none', 'revoked', 'garbage'];

interface Route {
  readonly route: string;
  readonly allowed: readonly Caller[];
  /** What an allowed caller gets: a status, or a status and problem code. */
  readonly ok: number | string;
  /** Prepares what one call needs (fresh each time) and returns the call, made with a caller's client. */
  readonly prepare: (api: ApiHarness) => Promise<(client: Client) => Promise<Reply>>;
}

const account = async (api: ApiHarness) => (await api.createAccount({ plan: 'basic' })).id;
const charge = async (api: ApiHarness) => (await api.charge({ accountId: await account(api), action: 'video.generate' })).body.id as string;
const hold = async (api: ApiHarness) => (await api.hold({ accountId: await account(api), action: 'video.generate' })).body.id as string;
const draft = async (api: ApiHarness) => (await api.admin.post('/v1/drafts', { name: 'a draft' })).body.id as string;
const webhook = async (api: ApiHarness) => (await api.admin.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['*'] })).body.id as string;
/** An upgrade: an `account.plan_changed` event. */
const event = async (api: ApiHarness) => {
  const id = await account(api);
  await api.admin.post(`/v1/accounts/${id}/plan`, { plan: 'pro' });
  return (await api.admin.get(`/v1/events?accountId=${id}`)).body.items[0].id as string;
};
const activeVersion = async (api: ApiHarness) => (await api.anonymous.get('/health')).body.rulesetVersion as string;
/** Publishes and activates a second version (brainstorms at 2 cr), so there is one to roll back from. */
const twoVersions = async (api: ApiHarness) => {
  const before = await activeVersion(api);
  const res = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', 'description: AI suggests 5–8 site ideas\n    price: 1 cr', 'description: AI suggests 5–8 site ideas\n    price: 2 cr'), message: 'brainstorms at 2 cr', activate: true });
  expect(res.status).toBe(201);
  return { before, after: res.body.version as string };
};

/**
 * A pending scheduled activation: the one a denied caller left pending, or a new one of a version
 * that is not active, an hour from now (scheduling the same version again would change nothing).
 */
const pendingActivation = async (api: ApiHarness) => {
  const pending = (await api.admin.get('/v1/rulesets/activations')).body.find((a: Json) => a.pending);
  if (pending) return pending.id as number;
  await twoVersions(api);
  const other = (await api.admin.get('/v1/rulesets')).body.find((v: Json) => !v.active).version as string;
  const res = await api.admin.post(`/v1/rulesets/${other}/activate`, { at: new Date(api.clock.now().getTime() + 3_600_000).toISOString() });
  expect([res.status, res.body.pending]).toEqual([200, true]);
  return res.body.id as number;
};

const ROUTES: readonly Route[] = [
  { route: 'POST /v1/accounts', allowed: ['admin'], ok: 201, prepare: async () => (c) => c.post('/v1/accounts', { plan: 'basic' }) },
  { route: 'GET /v1/accounts/:id', allowed: ['service', 'admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await account(api); return (c) => c.get(`/v1/accounts/${id}`); } },
  { route: 'GET /v1/accounts/:id/ledger', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await account(api); return (c) => c.get(`/v1/accounts/${id}/ledger`); } },
  { route: 'GET /v1/accounts/:id/grants', allowed: ['service', 'admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await account(api); return (c) => c.get(`/v1/accounts/${id}/grants`); } },
  // The bundled rules sell no packs: an allowed caller gets past the guard to the catalogue's answer.
  { route: 'POST /v1/accounts/:id/packs', allowed: ['service', 'admin'], ok: '422 UNKNOWN_PACK', prepare: async (api) => { const id = await account(api); return (c) => c.post(`/v1/accounts/${id}/packs`, { pack: 'none' }, { idempotencyKey: randomUUID() }); } },
  { route: 'POST /v1/accounts/:id/plan', allowed: ['admin'], ok: 200, prepare: async (api) => { const id = await account(api); return (c) => c.post(`/v1/accounts/${id}/plan`, { plan: 'pro' }); } },
  { route: 'POST /v1/accounts/:id/grants', allowed: ['admin'], ok: 201, prepare: async (api) => { const id = await account(api); return (c) => c.post(`/v1/accounts/${id}/grants`, { amount: 10, reason: 'goodwill' }); } },
  { route: 'POST /v1/decisions', allowed: ['service'], ok: 200, prepare: async (api) => { const id = await account(api); return (c) => c.post('/v1/decisions', { accountId: id, action: 'chat.edit' }); } },
  { route: 'GET /v1/decisions', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/decisions') },
  { route: 'POST /v1/charges', allowed: ['service'], ok: 201, prepare: async (api) => { const id = await account(api); return (c) => c.post('/v1/charges', { accountId: id, action: 'chat.edit' }, { idempotencyKey: randomUUID() }); } },
  { route: 'GET /v1/charges/:id', allowed: ['service', 'admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await charge(api); return (c) => c.get(`/v1/charges/${id}`); } },
  { route: 'POST /v1/charges/:id/refund', allowed: ['service'], ok: 201, prepare: async (api) => { const id = await charge(api); return (c) => c.post(`/v1/charges/${id}/refund`, { amount: 1 }); } },
  { route: 'POST /v1/holds', allowed: ['service'], ok: 201, prepare: async (api) => { const id = await account(api); return (c) => c.post('/v1/holds', { accountId: id, action: 'chat.edit' }, { idempotencyKey: randomUUID() }); } },
  { route: 'GET /v1/holds/:id', allowed: ['service', 'admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await hold(api); return (c) => c.get(`/v1/holds/${id}`); } },
  { route: 'POST /v1/holds/:id/capture', allowed: ['service'], ok: 201, prepare: async (api) => { const id = await hold(api); return (c) => c.post(`/v1/holds/${id}/capture`, { params: { seconds: 2 } }); } },
  { route: 'POST /v1/holds/:id/release', allowed: ['service'], ok: 200, prepare: async (api) => { const id = await hold(api); return (c) => c.post(`/v1/holds/${id}/release`); } },
  { route: 'POST /v1/keys', allowed: ['admin'], ok: 201, prepare: async () => (c) => c.post('/v1/keys', { name: 'reporting', role: 'auditor' }) },
  { route: 'GET /v1/keys', allowed: ['admin'], ok: 200, prepare: async () => (c) => c.get('/v1/keys') },
  { route: 'DELETE /v1/keys/:id', allowed: ['admin'], ok: 200, prepare: async (api) => { const { id } = await api.createKey('auditor'); return (c) => c.delete(`/v1/keys/${id}`); } },
  { route: 'GET /v1/whoami', allowed: ['service', 'admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/whoami') },
  { route: 'GET /v1/rulesets', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/rulesets') },
  { route: 'POST /v1/rulesets', allowed: ['admin'], ok: 201, prepare: async () => (c) => c.post('/v1/rulesets', { files: readRuleFiles(), message: 'the bundled rules again' }) },
  { route: 'GET /v1/rulesets/activations', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/rulesets/activations') },
  { route: 'POST /v1/rulesets/activations/:id/cancel', allowed: ['admin'], ok: 200, prepare: async (api) => { const id = await pendingActivation(api); return (c) => c.post(`/v1/rulesets/activations/${id}/cancel`, {}); } },
  { route: 'GET /v1/rulesets/diff', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const { before, after } = await twoVersions(api); return (c) => c.get(`/v1/rulesets/diff?from=${before}&to=${after}`); } },
  { route: 'POST /v1/rulesets/impact', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const version = await activeVersion(api); return (c) => c.post('/v1/rulesets/impact', { version }); } },
  { route: 'POST /v1/rulesets/rollback', allowed: ['admin'], ok: 200, prepare: async (api) => { await twoVersions(api); return (c) => c.post('/v1/rulesets/rollback'); } },
  { route: 'GET /v1/rulesets/:version', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const version = await activeVersion(api); return (c) => c.get(`/v1/rulesets/${version}`); } },
  { route: 'GET /v1/rulesets/:version/cases', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/rulesets/active/cases') },
  { route: 'GET /v1/rulesets/:version/activation-report', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/rulesets/active/activation-report') },
  { route: 'POST /v1/rulesets/:version/activate', allowed: ['admin'], ok: 200, prepare: async (api) => { const version = await activeVersion(api); return (c) => c.post(`/v1/rulesets/${version}/activate`); } },
  { route: 'GET /v1/audit', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/audit') },
  { route: 'GET /v1/accounts', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/accounts') },
  { route: 'GET /v1/charges/:id/entries', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await charge(api); return (c) => c.get(`/v1/charges/${id}/entries`); } },
  { route: 'POST /v1/rulesets/validate', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.post('/v1/rulesets/validate', { files: readRuleFiles() }) },
  { route: 'POST /v1/rulesets/test', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.post('/v1/rulesets/test', { files: readRuleFiles() }) },
  { route: 'POST /v1/rulesets/quote', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const version = await activeVersion(api); return (c) => c.post('/v1/rulesets/quote', { version, plan: 'pro', action: 'chat.edit' }); } },
  { route: 'POST /v1/rulesets/diff', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const from = await activeVersion(api); return (c) => c.post('/v1/rulesets/diff', { from, files: readRuleFiles() }); } },
  { route: 'GET /v1/rulesets/:version/rules', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const version = await activeVersion(api); return (c) => c.get(`/v1/rulesets/${version}/rules`); } },
  { route: 'GET /v1/rulesets/:version/table', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const version = await activeVersion(api); return (c) => c.get(`/v1/rulesets/${version}/table`); } },
  { route: 'GET /v1/rulesets/:version/grid', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const version = await activeVersion(api); return (c) => c.get(`/v1/rulesets/${version}/grid`); } },
  { route: 'POST /v1/drafts', allowed: ['admin'], ok: 201, prepare: async () => (c) => c.post('/v1/drafts', { name: 'a draft' }) },
  { route: 'GET /v1/drafts', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/drafts') },
  { route: 'GET /v1/drafts/:id', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await draft(api); return (c) => c.get(`/v1/drafts/${id}`); } },
  { route: 'POST /v1/drafts/:id/revisions', allowed: ['admin'], ok: 201, prepare: async (api) => { const id = await draft(api); return (c) => c.post(`/v1/drafts/${id}/revisions`, { baseRevision: 1, files: [{ path: 'notes.yaml', text: '# a note\n' }] }); } },
  // Services price in-process from the active rules: the bundle is theirs to read.
  { route: 'GET /v1/rulesets/:version/bundle', allowed: ['service', 'admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/rulesets/active/bundle') },
  { route: 'POST /v1/webhooks', allowed: ['admin'], ok: 201, prepare: async () => (c) => c.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['balance.low'] }) },
  { route: 'GET /v1/webhooks', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/webhooks') },
  { route: 'GET /v1/webhooks/deliveries', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/webhooks/deliveries') },
  { route: 'GET /v1/webhooks/:id', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await webhook(api); return (c) => c.get(`/v1/webhooks/${id}`); } },
  { route: 'DELETE /v1/webhooks/:id', allowed: ['admin'], ok: 200, prepare: async (api) => { const id = await webhook(api); return (c) => c.delete(`/v1/webhooks/${id}`); } },
  { route: 'GET /v1/events', allowed: ['admin', 'auditor'], ok: 200, prepare: async () => (c) => c.get('/v1/events') },
  { route: 'GET /v1/events/:id', allowed: ['admin', 'auditor'], ok: 200, prepare: async (api) => { const id = await event(api); return (c) => c.get(`/v1/events/${id}`); } },
  { route: 'POST /v1/events/:id/replay', allowed: ['admin'], ok: 201, prepare: async (api) => { const id = await event(api); return (c) => c.post(`/v1/events/${id}/replay`, {}); } },
];

const PUBLIC = ['/health', '/metrics', '/docs', '/docs/openapi.json'];

describe.each(DATABASE_KINDS)('roles on %s', (kind) => {
  const api = useApi(kind);
  const clients = {} as Record<Caller, Client>;

  beforeAll(async () => {
    const revoked = await api.createKey('admin', 'revoked admin');
    expect((await api.admin.delete(`/v1/keys/${revoked.id}`)).status).toBe(200);
    clients.service = api.service;
    clients.admin = api.admin;
    clients.auditor = api.auditor;
    clients.none = api.anonymous;
    clients.revoked = revoked.client;
    clients.garbage = api.client(`rck_${randomBytes(32).toString('base64url')}`);
  });

  it('every /v1 route of the service is in the matrix', async () => {
    const spec = (await api.anonymous.get('/docs/openapi.json')).body;
    const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.filter((r) => r.includes(' /v1/')).sort()).toEqual(ROUTES.map((r) => r.route).sort());
  });

  it.each(ROUTES)('$route', async ({ allowed, ok, prepare }) => {
    const expected: Record<string, string> = {};
    const actual: Record<string, string> = {};
    for (const caller of CALLERS) {
      const permitted = allowed.includes(caller);
      expected[caller] = permitted ? `${ok}` : ['none', 'revoked', 'garbage'].includes(caller) ? '401 UNAUTHENTICATED' : '403 FORBIDDEN';
      const call = await prepare(api);
      const before = permitted ? undefined : await api.fingerprint();
      const res = await call(clients[caller]);
      actual[caller] = res.status < 300 ? `${res.status}` : `${res.status} ${res.body.code}`;
      if (res.status === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="ratecard"');
      if (res.status >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (before) expect(await api.fingerprint()).toEqual(before);
    }
    expect(actual).toEqual(expected);
    // Publishing runs the rules' cases: a route that needs two versions prepares a publish per caller.
  }, 60_000);

  it.each(PUBLIC)('%s is public: every caller gets 200', async (path) => {
    const statuses = await Promise.all(CALLERS.map(async (caller) => [caller, (await clients[caller].get(path)).status]));
    expect(Object.fromEntries(statuses)).toEqual(Object.fromEntries(CALLERS.map((c) => [c, 200])));
  });

  it('a malformed Authorization header is 401, and the message says how to send a key', async () => {
    const res = await api.anonymous.get('/v1/keys', { headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } });
    expect([res.status, res.body.code, res.body.detail]).toEqual([401, 'UNAUTHENTICATED', 'send an API key as `Authorization: Bearer <key>`']);
  });

  it('a key stops working as soon as it is revoked', async () => {
    const key = await api.createKey('service');
    const accountId = (await api.createAccount({ plan: 'basic' })).id;
    expect((await key.client.get(`/v1/accounts/${accountId}`)).status).toBe(200);

    expect((await api.admin.delete(`/v1/keys/${key.id}`)).status).toBe(200);

    const res = await key.client.post('/v1/charges', { accountId, action: 'chat.edit' }, { idempotencyKey: randomUUID() });
    expect([res.status, res.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect((await api.account(accountId)).balance).toBe(1500);
  });
});
