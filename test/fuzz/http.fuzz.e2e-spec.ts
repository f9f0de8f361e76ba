import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { verifyLedger } from '@ratecard/ledger';
import { bundledRulesWith, expectProblem, START, useApi, type ApiHarness, type Reply } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { readRuleFiles } from '../support/rules';
import { runs } from './runs';

// Random requests to every route, each with a valid key of a role that may call it: random JSON
// bodies (any value, objects with the route's fields holding wrong types, huge numbers, deep
// nesting, unicode, extra keys), raw bodies that are barely JSON, random Idempotency-Key and other
// headers, random path parameters and query strings. The service never answers 5xx, every 4xx is
// a problem document, a rejected request changes nothing, and the ledger verifies clean at the end.
// The route x role matrix itself is test/api/roles.e2e-spec.ts.

type Role = 'service' | 'admin' | 'auditor';

/** Real ids a path parameter or a body field may name, so that some requests get past the lookups. */
interface Fixture {
  readonly accountId: string;
  readonly chargeId: string;
  readonly holdId: string;
  /** A key of its own, revoked by whichever random DELETE gets there first. */
  readonly keyId: string;
  readonly version: string;
  readonly draftId: string;
  readonly webhookId: string;
  readonly eventId: string;
  /** A scheduled activation of another version, pending until a random cancel gets there first. */
  readonly activationId: string;
}

/** One generated request. `path` and `body` are resolved against the fixture when sent. */
interface FuzzRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: (f: Fixture) => string;
  readonly role: Role;
  readonly query: string;
  readonly body: Body;
  readonly headers: Readonly<Record<string, string>>;
}

type Body = { kind: 'none' } | { kind: 'json'; value: (f: Fixture) => unknown } | { kind: 'raw'; text: string; contentType: string };

// ------------------------------------------------------------------ values

const ACTIONS = ['chat.edit', 'video.generate', 'image.generate', 'site.generate', 'site.regenerate', 'business-os.chat', 'project.preview', 'video.extend'];

/** Numbers JSON can carry that code often gets wrong. */
const oddNumber = fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, -0, 5e-324, 0.1 + 0.2, 1e21, 0.0001, 1.0005, -1, 0, 1_000_000_001, 86_400 * 31);
const oddString = fc.constantFrom('', ' ', '\u0000', 'é', '\u{1F600}', '\uD800', '<script>', "' or 1=1 --", '${x}', '../../etc/passwd', '__proto__', 'constructor', 'NaN', 'Infinity', '1e400', 'x'.repeat(300));

/** Nested `n` deep: objects or arrays. */
function nest(depth: number, array: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}

const deep = fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.boolean()).map(([n, array]) => nest(n, array));

/** Any JSON value, mostly wrong for the field it lands in. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  oddString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  oddNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  deep,
);

/** Either a real id from the fixture or anything. */
const idOr = (pick: (f: Fixture) => string): fc.Arbitrary<(f: Fixture) => unknown> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(pick) }, { weight: 2, arbitrary: anyValue.map((v) => () => v) });

/** Plausible parameters for an action, with junk mixed in. */
const params = fc.oneof(
  fc.record(
    {
      seconds: fc.oneof(fc.integer({ min: -2, max: 10 }), anyValue),
      tier: fc.oneof(fc.constantFrom('standard', 'relaxed', 'hd'), anyValue),
      resolution: fc.oneof(fc.constantFrom('720p', '1080p', '2k', '4k', '1k'), anyValue),
      model: fc.oneof(fc.constantFrom('seedream-4.5', 'flux-pro', 'nano-banana-pro'), anyValue),
      factor: fc.oneof(fc.constantFrom(2, 4, '2'), anyValue),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), anyValue, { maxKeys: 4 }),
  anyValue,
);

/** An object with some of `fields` (each from its arbitrary) and maybe extra keys; or anything. */
function bodyOf(fields: Record<string, fc.Arbitrary<(f: Fixture) => unknown>>): fc.Arbitrary<Body> {
  const shaped = fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), oddString), anyValue, { maxKeys: 2 }), fc.boolean())
    .map(([known, extra, withExtra]): Body => ({
      kind: 'json',
      value: (f) => ({ ...(withExtra ? extra : {}), ...Object.fromEntries(Object.entries(known).map(([k, field]) => [k, field!(f)])) }),
    }));
  return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: anyValue.map((v): Body => ({ kind: 'json', value: () => v })) }, { weight: 1, arbitrary: rawBody }, { weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) });
}

const v = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<(f: Fixture) => unknown> => a.map((x) => () => x);

/** Bodies that are not quite JSON, or JSON that JSON.stringify would never write. */
const rawBody: fc.Arbitrary<Body> = fc
  .tuple(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(
        '{"accountId": "a", "action": "chat.edit", "params": {"seconds": 1e400}}',
        '{"amount": 1e400, "reason": "x"}',
        '{"amount": -0, "reason": "x"}',
        '{"amount": 123456789012345678901234567890, "reason": "x"}',
        '{"a": 1, "a": 2}',
        '{"constructor": {"prototype": {"admin": true}}}',
        '{"accountId": "\\ud800", "action": "chat.edit"}',
        '\uFEFF{}',
        '[]',
        '"string"',
        '1',
        'true',
        '{',
      ),
      fc.integer({ min: 1000, max: 30_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
      fc.integer({ min: 1000, max: 10_000 }).map((n) => `{"accountId":"a","action":"chat.edit","params":{"x":${'['.repeat(n)}${']'.repeat(n)}}}`),
    ),
    fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/problem+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream'),
  )
  .map(([text, contentType]): Body => ({ kind: 'raw', text, contentType }));

// ------------------------------------------------------------------ routes

const pathParam = (pick: (f: Fixture) => string): fc.Arbitrary<(f: Fixture) => string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(pick) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((s) => () => encodeURIComponent(s)) },
    { weight: 1, arbitrary: fc.constantFrom('%00', '%2F', '..', '%2e%2e', '%E0%A4%A', 'a'.repeat(2000), '%27%20or%201%3D1', '__proto__', 'constructor').map((s) => () => s) },
  );

interface RouteSpec {
  readonly method: FuzzRequest['method'];
  readonly roles: readonly Role[];
  readonly path: fc.Arbitrary<(f: Fixture) => string>;
  readonly body?: fc.Arbitrary<Body>;
  /** Query parameters the route reads. */
  readonly query?: readonly string[];
}

const fixed = (path: string): fc.Arbitrary<(f: Fixture) => string> => fc.constant(() => path);
const under = (prefix: string, pick: (f: Fixture) => string, suffix = ''): fc.Arbitrary<(f: Fixture) => string> => pathParam(pick).map((p) => (f) => `${prefix}/${p(f)}${suffix}`);

const actionRequest = {
  accountId: idOr((f) => f.accountId),
  action: fc.oneof(v(fc.constantFrom(...ACTIONS)), v(anyValue)),
  params: v(params),
  confirm: fc.oneof(v(fc.boolean()), v(anyValue)),
};
const sourceFile = fc.oneof(
  fc.record({ path: fc.oneof(fc.constantFrom('plans.yaml', 'x.yaml', 'a.test.yaml', '../x.yaml'), anyValue), text: fc.oneof(fc.constantFrom(...readRuleFiles().map((f) => f.text), 'plans: *nope', 'a: &a [*a, *a]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nplans: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]'), anyValue) }, { requiredKeys: [] }),
  anyValue,
);
const files = fc.oneof(fc.array(sourceFile, { maxLength: 3 }), anyValue);
/** When a scheduled activation takes effect: after now, now, without a zone, not a time, far away. */
const at = fc.oneof(v(fc.constantFrom('2026-03-21T00:00:00Z', '2026-03-20T12:00:00Z', '2026-03-21T00:00:00+02:00', '2026-12-01 00:00', '2026-02-30T00:00:00Z', 'tomorrow', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z')), v(anyValue));

const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', roles: ['admin'], path: fixed('/v1/accounts'), body: bodyOf({ id: fc.oneof(v(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)), idOr((f) => f.accountId)), plan: fc.oneof(v(fc.constantFrom('basic', 'pro', 'premium', 'enterprise')), v(anyValue)), billingAnchor: fc.oneof(v(fc.integer({ min: -1, max: 33 })), v(anyValue)) }) },
  { method: 'GET', roles: ['service', 'admin', 'auditor'], path: under('/v1/accounts', (f) => f.accountId) },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/accounts', (f) => f.accountId, '/ledger'), query: ['limit', 'cursor', 'order'] },
  { method: 'POST', roles: ['admin'], path: under('/v1/accounts', (f) => f.accountId, '/plan'), body: bodyOf({ plan: fc.oneof(v(fc.constantFrom('basic', 'pro', 'premium', 'gold')), v(anyValue)) }) },
  { method: 'POST', roles: ['admin'], path: under('/v1/accounts', (f) => f.accountId, '/grants'), body: bodyOf({ amount: fc.oneof(v(fc.constantFrom(1, 0.5, 0.001, 0.0005, 1e9, 1e9 + 1)), v(anyValue)), reason: fc.oneof(v(fc.constant('fuzz')), v(anyValue)) }) },
  { method: 'POST', roles: ['service'], path: fixed('/v1/decisions'), body: bodyOf(actionRequest) },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/decisions'), query: ['limit', 'cursor', 'accountId', 'action', 'rulesetVersion', 'kind', 'chargeId', 'since', 'until'] },
  { method: 'POST', roles: ['service'], path: fixed('/v1/charges'), body: bodyOf(actionRequest) },
  { method: 'GET', roles: ['service', 'admin', 'auditor'], path: under('/v1/charges', (f) => f.chargeId) },
  { method: 'POST', roles: ['service'], path: under('/v1/charges', (f) => f.chargeId, '/refund'), body: bodyOf({ amount: fc.oneof(v(fc.constantFrom(0.001, 0.5, 1, 1e6, 0.0001)), v(anyValue)), reason: v(anyValue) }) },
  { method: 'POST', roles: ['service'], path: fixed('/v1/holds'), body: bodyOf({ ...actionRequest, ttlSeconds: fc.oneof(v(fc.integer({ min: -1, max: 90_000 })), v(anyValue)) }) },
  { method: 'GET', roles: ['service', 'admin', 'auditor'], path: under('/v1/holds', (f) => f.holdId) },
  { method: 'POST', roles: ['service'], path: under('/v1/holds', (f) => f.holdId, '/capture'), body: bodyOf({ params: v(params), amount: fc.oneof(v(fc.constantFrom(0, 0.001, 1, 1e6, -1)), v(anyValue)) }) },
  { method: 'POST', roles: ['service'], path: under('/v1/holds', (f) => f.holdId, '/release'), body: bodyOf({}) },
  { method: 'POST', roles: ['admin'], path: fixed('/v1/keys'), body: bodyOf({ name: v(anyValue), role: fc.oneof(v(fc.constantFrom('service', 'admin', 'auditor', 'root')), v(anyValue)) }) },
  { method: 'GET', roles: ['admin'], path: fixed('/v1/keys') },
  { method: 'DELETE', roles: ['admin'], path: under('/v1/keys', (f) => f.keyId) },
  { method: 'GET', roles: ['service', 'admin', 'auditor'], path: fixed('/v1/whoami') },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets') },
  { method: 'POST', roles: ['admin'], path: fixed('/v1/rulesets'), body: bodyOf({ files: v(files), message: v(anyValue), activate: fc.oneof(v(fc.constant(false)), v(anyValue)), activateAt: at }) },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets/activations') },
  { method: 'POST', roles: ['admin'], path: under('/v1/rulesets/activations', (f) => f.activationId, '/cancel'), body: bodyOf({}) },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets/diff'), query: ['from', 'to', 'format'] },
  { method: 'POST', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets/impact'), body: bodyOf({ files: v(files), version: idOr((f) => f.version), since: fc.oneof(v(fc.constantFrom('30d', '1m', '99999999999d', '0h')), v(anyValue)) }) },
  { method: 'POST', roles: ['admin'], path: fixed('/v1/rulesets/rollback'), body: bodyOf({}) },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/rulesets', (f) => f.version) },
  { method: 'POST', roles: ['admin'], path: under('/v1/rulesets', (f) => f.version, '/activate'), body: bodyOf({ at }) },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/audit'), query: ['limit', 'cursor', 'event', 'actor', 'since', 'until'] },
  // What the Studio reads and writes.
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/accounts'), query: ['limit', 'cursor', 'prefix'] },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/charges', (f) => f.chargeId, '/entries') },
  { method: 'POST', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets/validate'), body: bodyOf({ files: v(files) }) },
  { method: 'POST', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets/test'), body: bodyOf({ files: v(files) }) },
  { method: 'POST', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets/quote'), body: bodyOf({ files: v(files), version: idOr((f) => f.version), plan: fc.oneof(v(fc.constantFrom('basic', 'pro', 'gold')), v(anyValue)), action: fc.oneof(v(fc.constantFrom(...ACTIONS)), v(anyValue)), params: v(params), balance: v(anyValue), used: fc.oneof(v(fc.dictionary(fc.constantFrom(...ACTIONS), fc.oneof(fc.integer({ min: -2, max: 5 }), anyValue))), v(anyValue)), confirm: v(anyValue) }) },
  { method: 'POST', roles: ['admin', 'auditor'], path: fixed('/v1/rulesets/diff'), body: bodyOf({ from: idOr((f) => f.version), files: v(files) }) },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/rulesets', (f) => f.version, '/rules') },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/rulesets', (f) => f.version, '/table') },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/rulesets', (f) => f.version, '/grid') },
  { method: 'POST', roles: ['admin'], path: fixed('/v1/drafts'), body: bodyOf({ name: fc.oneof(v(fc.constant('fuzz draft')), v(anyValue)), from: idOr((f) => f.version), files: v(files) }) },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/drafts') },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/drafts', (f) => f.draftId), query: ['revision'] },
  { method: 'POST', roles: ['admin'], path: under('/v1/drafts', (f) => f.draftId, '/revisions'), body: bodyOf({ baseRevision: fc.oneof(v(fc.integer({ min: -1, max: 3 })), v(anyValue)), files: v(files), remove: fc.oneof(v(fc.array(fc.constantFrom('plans.yaml', 'x.yaml', '../x.yaml'), { maxLength: 2 })), v(anyValue)), message: v(anyValue) }) },
  { method: 'GET', roles: ['auditor'], path: fc.constantFrom('/studio', '/studio/', '/studio/drafts/x', '/studio/assets/', '/studio/assets/x.js', '/studio/assets/../index.html', '/studio/assets/%2e%2e/index.html').map((p) => () => p) },
  { method: 'GET', roles: ['service', 'admin', 'auditor'], path: under('/v1/rulesets', (f) => f.version, '/bundle'), query: ['wait'] },
  {
    method: 'POST',
    roles: ['admin'],
    path: fixed('/v1/webhooks'),
    body: bodyOf({
      url: fc.oneof(v(fc.constantFrom('http://127.0.0.1:9/hooks', 'https://[::1]/x', 'ftp://example.com/', 'http://user:pw@127.0.0.1/', 'not a url', '', `https://x.example/${'a'.repeat(3000)}`)), v(anyValue)),
      events: fc.oneof(v(fc.constantFrom(['*'], ['balance.low', 'quota.reached'], ['nope'], [], ['*', '*'])), v(anyValue)),
      secret: fc.oneof(v(fc.constantFrom('short', 'a-secret-of-sixteen+', '\u0000'.repeat(20))), v(anyValue)),
      description: v(anyValue),
    }),
  },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/webhooks') },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/webhooks/deliveries'), query: ['limit', 'cursor', 'webhookId', 'eventId', 'accountId', 'status'] },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/webhooks', (f) => f.webhookId) },
  { method: 'DELETE', roles: ['admin'], path: under('/v1/webhooks', (f) => f.webhookId) },
  { method: 'GET', roles: ['admin', 'auditor'], path: fixed('/v1/events'), query: ['limit', 'cursor', 'accountId', 'type'] },
  { method: 'GET', roles: ['admin', 'auditor'], path: under('/v1/events', (f) => f.eventId) },
  { method: 'POST', roles: ['admin'], path: under('/v1/events', (f) => f.eventId, '/replay'), body: bodyOf({ webhookId: idOr((f) => f.webhookId) }) },
  { method: 'GET', roles: ['service'], path: fixed('/health') },
  { method: 'GET', roles: ['auditor'], path: fc.constantFrom('/v1', '/v1/nothing', '/v1/accounts/', '/v1/charges//refund', '/v1/holds/x/y/z').map((p) => () => p) },
];

/** A query string: some of the route's own names and random ones, odd values, repeats. */
function queryOf(names: readonly string[]): fc.Arbitrary<string> {
  const name = fc.oneof({ weight: 3, arbitrary: names.length ? fc.constantFrom(...names) : fc.constant('limit') }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) });
  const value = fc.oneof(
    fc.constantFrom('1', '0', '-1', '500', '501', '1.5', '1e3', 'NaN', '', 'asc', 'desc', 'sideways', 'md', 'text', 'json', '2026-03-20T12:00:00Z', 'yesterday', '0.0', '12.34', '9'.repeat(40), 'abcdef', 'ABCDEF0123'),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  );
  return fc.array(fc.tuple(name, value), { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, val]) => `${encodeURIComponent(k)}=${encodeURIComponent(val)}`).join('&')}` : ''));
}

/** Idempotency-Key as callers get it wrong, and right. Only what node:http will send (Latin-1, no control characters). */
const idempotencyKey = fc.oneof(
  fc.constant(undefined),
  fc.uuid(),
  fc.constantFrom('fuzz-key-1', 'fuzz-key-2', '', ' ', 'k'.repeat(255), 'k'.repeat(256), 'a, b', 'é', 'tab\there', '\u00ff'),
  fc.string({ maxLength: 30 }),
);

const otherHeaders = fc.record(
  {
    'x-request-id': fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a'.repeat(200), 'ok-id')),
    accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', 'bogus'),
  },
  { requiredKeys: [] },
);

const request: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...ROUTES).chain((route) =>
  fc.record({
    method: fc.constant(route.method),
    path: route.path,
    role: fc.constantFrom(...route.roles),
    query: route.query ? queryOf(route.query) : fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryOf([]) }),
    body: route.body ?? fc.constant<Body>({ kind: 'none' }),
    headers: fc.tuple(idempotencyKey, otherHeaders).map(([key, other]) => ({ ...other, ...(key !== undefined ? { 'idempotency-key': key } : {}) })),
  }),
);

// ------------------------------------------------------------------ sending

/** What came back: enough to judge it. */
interface Outcome {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

/** One request over node:http, which sends what fetch refuses (empty header values, a body with GET). */
function rawRequest(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // Not a timing assertion: a request the service never answers fails the run with what was sent.
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer in 30 s to ${method} ${url}`)));
    req.end(body);
  });
}

function send(api: ApiHarness, keys: Record<Role, string>, fixture: Fixture, r: FuzzRequest): Promise<Outcome> {
  const headers: Record<string, string> = { ...r.headers, authorization: `Bearer ${keys[r.role]}` };
  let payload: string | undefined;
  if (r.body.kind === 'raw') {
    payload = r.body.text;
    headers['content-type'] = r.body.contentType;
  } else if (r.body.kind === 'json') {
    payload = JSON.stringify(r.body.value(fixture));
    if (payload !== undefined) headers['content-type'] = 'application/json';
  }
  return rawRequest(`${api.url}${r.path(fixture)}${r.query}`, r.method, headers, payload);
}

/** A request for the failure message: what was sent, resolved against the fixture. */
function describeRequest(fixture: Fixture, r: FuzzRequest): string {
  const body = r.body.kind === 'json' ? JSON.stringify(r.body.value(fixture))?.slice(0, 500) : r.body.kind === 'raw' ? `${r.body.contentType}: ${r.body.text.slice(0, 200)}` : '(none)';
  return `${r.method} ${r.path(fixture).slice(0, 200)}${r.query} as ${r.role}, headers ${JSON.stringify(r.headers)}, body ${body}`;
}

// ------------------------------------------------------------------ the property

describe.each(DATABASE_KINDS)('HTTP fuzzing on %s', (kind) => {
  const api = useApi(kind);
  let fixture: Fixture;
  let keys: Record<Role, string>;

  beforeAll(async () => {
    const account = await api.createAccount({ plan: 'premium' });
    const charge = await api.charge({ accountId: account.id, action: 'video.generate' });
    const hold = await api.hold({ accountId: account.id, action: 'video.generate', ttlSeconds: 86_400 });
    const key = await api.createKey('auditor', 'fuzz victim');
    const draft = await api.admin.post('/v1/drafts', { name: 'fuzz' });
    const webhook = await api.admin.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['*'] });
    await api.admin.post(`/v1/accounts/${(await api.createAccount({ plan: 'basic' })).id}/plan`, { plan: 'pro' });
    const [event] = (await api.admin.get('/v1/events?type=account.plan_changed')).body.items;
    const other = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', 'rate: 0.5 cr/edit', 'rate: 0.6 cr/edit'), message: 'chat edits at 0.6 cr' });
    const scheduled = await api.admin.post(`/v1/rulesets/${other.body.version}/activate`, { at: new Date(START.getTime() + 86_400_000).toISOString() });
    expect([scheduled.status, scheduled.body.pending]).toEqual([200, true]);
    fixture = { accountId: account.id, chargeId: charge.body.id, holdId: hold.body.id, keyId: key.id, version: account.rulesetVersion, draftId: draft.body.id, webhookId: webhook.body.id, eventId: event.id, activationId: String(scheduled.body.id) };
    keys = { service: api.service.key!, admin: api.admin.key!, auditor: api.auditor.key! };
  });

  it('no 5xx, a problem document for every 4xx, and a rejected request changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await api.fingerprint({ withLog: false });
        const res = await send(api, keys, fixture, r);
        const what = `${res.status} for ${describeRequest(fixture, r)}\n${res.body.slice(0, 500)}`;
        if (res.status >= 500) throw new Error(`a 5xx: ${what}`);
        if (res.status >= 400) {
          if (!/^application\/problem\+json/.test(res.type)) throw new Error(`not a problem document: ${what}`);
          const problem = JSON.parse(res.body);
          if (problem.status !== res.status || typeof problem.code !== 'string' || typeof problem.detail !== 'string') throw new Error(`a malformed problem: ${what}`);
          expect({ changed: await api.fingerprint({ withLog: false }), request: what }).toEqual({ changed: before, request: what });
        }
      }),
      { numRuns: runs(300) },
    );
    expect((await verifyLedger(api.db)).problems).toEqual([]);
  }, 600_000);

  // Counterexamples the property found, shrunk; each was a 5xx or not a problem document before its fix.
  const ALIAS_BOMB = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'plans: [*c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
  const REGRESSIONS: readonly [string, (f: Fixture) => Promise<Reply>, number, string][] = [
    ['2,000 nested arrays in a body', () => api.admin.post('/v1/accounts', { plan: 'basic', billingAnchor: nest(2000, true) }), 400, 'INVALID_REQUEST'],
    ['30,000 nested arrays in charge params', (f) => api.service.request('POST', '/v1/charges', { raw: `{"accountId":"${f.accountId}","action":"chat.edit","params":{"x":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`, idempotencyKey: 'deep' }), 400, 'INVALID_REQUEST'],
    ['a path that does not percent-decode', () => api.admin.get('/v1/rulesets/%E0%A4%A'), 400, 'INVALID_REQUEST'],
    ['a path parameter over 100 characters', () => api.admin.delete(`/v1/keys/${'k'.repeat(101)}`), 414, 'URI_TOO_LONG'],
    ['a NUL in a path parameter', () => api.admin.delete('/v1/keys/%00'), 400, 'INVALID_REQUEST'],
    ['a NUL in a query value', () => api.admin.get('/v1/decisions?accountId=a%00'), 400, 'INVALID_REQUEST'],
    ['a NUL in charge params', (f) => api.service.post('/v1/charges', { accountId: f.accountId, action: 'chat.edit', params: { note: 'a\u0000b' } }, { idempotencyKey: 'nul' }), 400, 'INVALID_REQUEST'],
    ['a lone surrogate in a key name', () => api.admin.post('/v1/keys', { name: '\ud800', role: 'service' }), 400, 'INVALID_REQUEST'],
    ['a lone surrogate in a grant reason', (f) => api.admin.post(`/v1/accounts/${f.accountId}/grants`, { amount: 1, reason: 'x\udc00' }), 400, 'INVALID_REQUEST'],
    ['a capture amount of false', (f) => api.service.post(`/v1/holds/${f.holdId}/capture`, { amount: false }), 400, 'INVALID_REQUEST'],
    ['a capture amount as a string', (f) => api.service.post(`/v1/holds/${f.holdId}/capture`, { amount: '5' }), 400, 'INVALID_REQUEST'],
    ['capture params that are a number', (f) => api.service.post(`/v1/holds/${f.holdId}/capture`, { params: 5 }), 400, 'INVALID_REQUEST'],
    ['an unknown field in a capture', (f) => api.service.post(`/v1/holds/${f.holdId}/capture`, { amount: 1, bogus: true }), 400, 'INVALID_REQUEST'],
    ['a capture amount of null', (f) => api.service.post(`/v1/holds/${f.holdId}/capture`, { amount: null }), 400, 'INVALID_REQUEST'],
    ['a refund amount of null', (f) => api.service.post(`/v1/charges/${f.chargeId}/refund`, { amount: null }, { idempotencyKey: 'fuzz-key-1' }), 400, 'INVALID_REQUEST'],
    ['an impact window of 99999999999 days', (f) => api.admin.post('/v1/rulesets/impact', { version: f.version, since: '99999999999d' }), 400, 'INVALID_REQUEST'],
    ['an alias bomb in published rules', () => api.admin.post('/v1/rulesets', { files: [{ path: 'plans.yaml', text: ALIAS_BOMB }], message: 'boom' }), 422, 'INVALID_RULES'],
    ['an alias to no anchor in an impact candidate', () => api.admin.post('/v1/rulesets/impact', { files: [{ path: 'plans.yaml', text: 'plans: *nope' }] }), 422, 'INVALID_RULES'],
  ];

  it.each(REGRESSIONS.map(([name, call, status, code]) => ({ name, call, status, code })))('regression: $name is $status $code and changes nothing', async ({ call, status, code }) => {
    const before = await api.fingerprint({ withLog: false });
    expectProblem(await call(fixture), status, code);
    expect(await api.fingerprint({ withLog: false })).toEqual(before);
  });
});
