import { randomUUID } from 'node:crypto';
import { expectProblem, useApi, type ApiHarness, type Reply } from '../support/api';
import { TIME_FORMS } from '../../apps/api/src/http/query-time';
import { DATABASE_KINDS } from '../support/databases';

// Bad input of every kind gets a 4xx problem document and changes nothing: checked against a
// fingerprint of the whole database (every account's balances and plan, every table's row count)
// taken before and after each request.

interface Fixture {
  readonly accountId: string;
  readonly chargeId: string;
  readonly holdId: string;
}

interface BadInput {
  readonly name: string;
  readonly send: (api: ApiHarness, f: Fixture) => Promise<Reply>;
  readonly status: number;
  readonly code: string;
  /** The `errors` member, when the problem names fields. */
  readonly errors?: readonly { field: string; message: string | RegExp }[];
  /** A denial of a well-formed request is still logged as a decision. */
  readonly logged?: boolean;
}

const key = () => ({ idempotencyKey: randomUUID() });

const CASES: readonly BadInput[] = [
  // The body is not JSON, or not the JSON we take.
  { name: 'malformed JSON', send: (api) => api.service.request('POST', '/v1/charges', { raw: '{"accountId": "acme", "action": ', ...key() }), status: 400, code: 'INVALID_JSON' },
  { name: 'an empty body that says it is JSON', send: (api) => api.service.request('POST', '/v1/charges', { raw: '', ...key() }), status: 400, code: 'INVALID_JSON' },
  { name: 'a JSON array instead of an object', send: (api, f) => api.service.request('POST', '/v1/charges', { raw: JSON.stringify([{ accountId: f.accountId, action: 'chat.edit' }]), ...key() }), status: 400, code: 'INVALID_REQUEST' },
  { name: 'JSON null', send: (api) => api.service.request('POST', '/v1/charges', { raw: 'null', ...key() }), status: 400, code: 'INVALID_REQUEST' },
  {
    name: 'a `__proto__` key',
    send: (api, f) => api.service.request('POST', '/v1/charges', { raw: `{"accountId":"${f.accountId}","action":"chat.edit","__proto__":{"admin":true}}`, ...key() }),
    status: 400,
    code: 'INVALID_REQUEST',
    errors: [{ field: '__proto__', message: 'unknown field `__proto__`' }],
  },
  { name: 'a body over the size limit (413)', send: (api, f) => api.charge({ accountId: f.accountId, action: 'chat.edit', params: { note: 'x'.repeat(70 * 1024) } }), status: 413, code: 'BODY_TOO_LARGE' },
  { name: 'XML (415)', send: (api) => api.service.request('POST', '/v1/charges', { raw: '<charge/>', contentType: 'application/xml', ...key() }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a form (415)', send: (api, f) => api.service.request('POST', '/v1/charges', { raw: `accountId=${f.accountId}&action=chat.edit`, contentType: 'application/x-www-form-urlencoded', ...key() }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'JSON sent as text/plain (415)', send: (api, f) => api.service.request('POST', '/v1/charges', { raw: JSON.stringify({ accountId: f.accountId, action: 'chat.edit' }), contentType: 'text/plain', ...key() }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },

  // Unknown fields and wrong types.
  {
    name: 'an unknown field',
    send: (api, f) => api.service.post('/v1/charges', { accountId: f.accountId, action: 'chat.edit', amount: 0 }, key()),
    status: 400,
    code: 'INVALID_REQUEST',
    errors: [{ field: 'amount', message: 'unknown field `amount`' }],
  },
  {
    name: 'an unknown field in a nested object',
    send: (api) => api.admin.post('/v1/rulesets', { files: [{ path: 'plans.yaml', text: 'plans: []', mode: '0644' }], message: 'x' }),
    status: 400,
    code: 'INVALID_REQUEST',
    errors: [{ field: 'files.0.mode', message: 'unknown field `mode`' }],
  },
  {
    name: 'wrong types in a charge',
    send: (api) => api.service.post('/v1/charges', { accountId: 42, action: ['chat.edit'], params: 'seconds=8', confirm: 'yes' }, key()),
    status: 400,
    code: 'INVALID_REQUEST',
    errors: [
      { field: 'accountId', message: /string/ },
      { field: 'action', message: /string/ },
      { field: 'params', message: /object/ },
      { field: 'confirm', message: /boolean/ },
    ],
  },
  { name: 'a missing action', send: (api, f) => api.service.post('/v1/charges', { accountId: f.accountId }, key()), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'action', message: /string/ }] },
  { name: 'a billing anchor as a string', send: (api) => api.admin.post('/v1/accounts', { plan: 'basic', billingAnchor: '15' }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'billingAnchor', message: /integer/ }] },
  { name: 'a billing anchor of 32', send: (api) => api.admin.post('/v1/accounts', { plan: 'basic', billingAnchor: 32 }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'billingAnchor', message: /31/ }] },
  { name: 'an account id with a space', send: (api) => api.admin.post('/v1/accounts', { id: 'acme co', plan: 'basic' }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'id', message: /letters, digits/ }] },
  { name: 'a plan that is a number', send: (api, f) => api.admin.post(`/v1/accounts/${f.accountId}/plan`, { plan: 2 }), status: 400, code: 'INVALID_REQUEST' },
  { name: 'a grant as a string', send: (api, f) => api.admin.post(`/v1/accounts/${f.accountId}/grants`, { amount: '100', reason: 'x' }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'amount', message: /number/ }] },
  { name: 'a negative grant', send: (api, f) => api.admin.post(`/v1/accounts/${f.accountId}/grants`, { amount: -5, reason: 'x' }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'amount', message: /0\.001/ }] },
  { name: 'a grant without a reason', send: (api, f) => api.admin.post(`/v1/accounts/${f.accountId}/grants`, { amount: 5 }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'reason', message: /string/ }] },
  { name: 'a key with a role that does not exist', send: (api) => api.admin.post('/v1/keys', { name: 'root', role: 'root' }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'role', message: /service, admin, auditor/ }] },
  { name: 'a hold ttl of 0', send: (api, f) => api.hold({ accountId: f.accountId, action: 'chat.edit', ttlSeconds: 0 }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'ttlSeconds', message: /1/ }] },
  { name: 'a hold ttl of 1.5 s', send: (api, f) => api.hold({ accountId: f.accountId, action: 'chat.edit', ttlSeconds: 1.5 }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'ttlSeconds', message: /integer/ }] },
  { name: 'an Idempotency-Key of 256 characters', send: (api, f) => api.service.post('/v1/charges', { accountId: f.accountId, action: 'chat.edit' }, { idempotencyKey: 'k'.repeat(256) }), status: 400, code: 'INVALID_REQUEST' },

  // More than three decimals (1 credit = 1,000 millicredits).
  { name: 'a grant of 1.0001 cr', send: (api, f) => api.admin.post(`/v1/accounts/${f.accountId}/grants`, { amount: 1.0001, reason: 'x' }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'amount', message: 'at most three decimals' }] },
  { name: 'a refund of 10.0001 cr', send: (api, f) => api.service.post(`/v1/charges/${f.chargeId}/refund`, { amount: 10.0001 }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'amount', message: 'at most three decimals' }] },
  { name: 'a capture of 1.2345 cr', send: (api, f) => api.service.post(`/v1/holds/${f.holdId}/capture`, { amount: 1.2345 }), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'amount', message: 'at most three decimals' }] },

  // Query strings.
  { name: 'a ledger order that does not exist', send: (api, f) => api.admin.get(`/v1/accounts/${f.accountId}/ledger?order=sideways`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'order', message: /asc, desc/ }] },
  { name: 'a page size of 0', send: (api, f) => api.admin.get(`/v1/accounts/${f.accountId}/ledger?limit=0`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'limit', message: /1/ }] },
  { name: 'a page size of 501', send: (api, f) => api.admin.get(`/v1/accounts/${f.accountId}/ledger?limit=501`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'limit', message: /500/ }] },
  { name: 'a cursor that is not a number', send: (api, f) => api.admin.get(`/v1/accounts/${f.accountId}/ledger?cursor=abc`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'cursor', message: 'cursor must be the `next` value of a previous page' }] },
  { name: 'an unknown query parameter', send: (api, f) => api.admin.get(`/v1/accounts/${f.accountId}/ledger?sort=id`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'sort', message: 'unknown field `sort`' }] },
  { name: 'a decision-log `since` that is not a time', send: (api) => api.auditor.get('/v1/decisions?since=yesterday'), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'since', message: `since must be ${TIME_FORMS}` }] },
  // Values each database takes differently: every one a 400 on both (PostgreSQL failed the query: a 500).
  ...[
    ['a date past what a JavaScript time holds', '8640000000000001.1'],
    ['a row id past PostgreSQL bigint', '1.9223372036854775808'],
    ['a row id of 20 digits', '1.99999999999999999999'],
    ['a time of 17 digits', '12345678901234567.1'],
    ['a negative row id', '1.-1'],
  ].map(([what, cursor]) => ({ name: `a decision-log cursor with ${what}: \`${cursor}\``, send: (api: ApiHarness) => api.auditor.get(`/v1/decisions?cursor=${cursor}`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'cursor', message: 'cursor must be the `next` value of a previous page' }] })),
  ...[
    ['since', '-010000-01-01T00:00:00Z'],
    ['until', '%2B275760-09-13T00:00:00Z'],
    ['since', '0000-01-01'],
    ['until', '10000-01-01'],
    ['since', '2026-02-30'],
    ['until', '1'],
    ['since', '9999-12-31T23:59:59.999-01:00'],
  ].map(([field, value]) => ({ name: `a decision-log \`${field}\` of \`${decodeURIComponent(value)}\``, send: (api: ApiHarness) => api.auditor.get(`/v1/decisions?${field}=${value}`), status: 400, code: 'INVALID_REQUEST', errors: [{ field, message: `${field} must be ${TIME_FORMS}` }] })),
  ...['9007199254740992', '9223372036854775807', '9223372036854775808', '99999999999999999999', '1e300'].flatMap((cursor) => [
    { name: `a ledger cursor of \`${cursor}\``, send: (api: ApiHarness, f: Fixture) => api.admin.get(`/v1/accounts/${f.accountId}/ledger?cursor=${cursor}`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'cursor', message: 'cursor must be the `next` value of a previous page' }] },
    { name: `an audit cursor of \`${cursor}\``, send: (api: ApiHarness) => api.auditor.get(`/v1/audit?cursor=${cursor}`), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'cursor', message: 'cursor must be the `next` value of a previous page' }] },
  ]),
  { name: 'a decision-log filter given twice', send: (api) => api.auditor.get('/v1/decisions?accountId=a&accountId=b'), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'accountId', message: /string/ }] },
  { name: 'a query parameter on a route that takes none', send: (api) => api.auditor.get('/v1/rulesets?limit=10'), status: 400, code: 'INVALID_REQUEST', errors: [{ field: 'limit', message: 'unknown field `limit`' }] },

  // Well-formed requests about things that do not exist.
  { name: 'a charge for an unknown account', send: (api) => api.charge({ accountId: 'nobody', action: 'chat.edit' }), status: 404, code: 'ACCOUNT_NOT_FOUND' },
  { name: 'a hold for an unknown account', send: (api) => api.hold({ accountId: 'nobody', action: 'chat.edit' }), status: 404, code: 'ACCOUNT_NOT_FOUND' },
  { name: 'a quote for an unknown account', send: (api) => api.service.post('/v1/decisions', { accountId: 'nobody', action: 'chat.edit' }), status: 404, code: 'ACCOUNT_NOT_FOUND' },
  { name: 'a grant to an unknown account', send: (api) => api.admin.post('/v1/accounts/nobody/grants', { amount: 5, reason: 'x' }), status: 404, code: 'ACCOUNT_NOT_FOUND' },
  { name: 'a refund of an unknown charge', send: (api) => api.service.post('/v1/charges/ch_nope/refund', {}), status: 404, code: 'CHARGE_NOT_FOUND' },
  { name: 'revoking an unknown key', send: (api) => api.admin.delete('/v1/keys/key_nope'), status: 404, code: 'KEY_NOT_FOUND' },
  { name: 'an unknown rule-set version', send: (api) => api.admin.get('/v1/rulesets/abcdef0123'), status: 404, code: 'VERSION_NOT_FOUND' },
  { name: 'activating an unknown version', send: (api) => api.admin.post('/v1/rulesets/abcdef0123/activate'), status: 404, code: 'VERSION_NOT_FOUND' },
  { name: 'a charge for an unknown action (422)', send: (api, f) => api.charge({ accountId: f.accountId, action: 'video.teleport' }), status: 422, code: 'UNKNOWN_ACTION', logged: true },
  { name: 'a charge with a parameter of the wrong type (422)', send: (api, f) => api.charge({ accountId: f.accountId, action: 'video.generate', params: { seconds: '8' } }), status: 422, code: 'INVALID_PARAMS', logged: true },
  { name: 'a charge with a parameter the action does not take (422)', send: (api, f) => api.charge({ accountId: f.accountId, action: 'chat.edit', params: { color: 'red' } }), status: 422, code: 'INVALID_PARAMS', logged: true },
  { name: 'a route that does not exist', send: (api) => api.service.get('/v1/invoices'), status: 404, code: 'NOT_FOUND' },
  { name: 'a method the route does not have', send: (api, f) => api.admin.request('PUT', `/v1/accounts/${f.accountId}`, { body: { plan: 'pro' } }), status: 404, code: 'NOT_FOUND' },
];

describe.each(DATABASE_KINDS)('bad input on %s', (kind) => {
  const api = useApi(kind);
  let fixture: Fixture;

  beforeAll(async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const charge = await api.charge({ accountId: id, action: 'video.generate' });
    const hold = await api.hold({ accountId: id, action: 'video.generate' });
    fixture = { accountId: id, chargeId: charge.body.id, holdId: hold.body.id };
  });

  it.each(CASES)('$name: $status $code, nothing changed', async ({ send, status, code, errors, logged }) => {
    const before = await api.fingerprint({ withLog: !logged });

    const res = await send(api, fixture);

    expectProblem(res, status, code);
    if (errors) {
      expect(res.body.errors).toEqual(expect.arrayContaining(errors.map((e) => expect.objectContaining({ field: e.field, message: typeof e.message === 'string' ? e.message : expect.stringMatching(e.message) }))));
      expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(errors.map((e) => e.field)));
    }
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(await api.fingerprint({ withLog: !logged })).toEqual(before);
  });

  it('the edges of every list query are answered: the first and last times, the largest cursors', async () => {
    const answers = await Promise.all(
      [
        '/v1/decisions?since=0001-01-01&until=9999-12-31T23:59:59.999Z',
        '/v1/decisions?since=0001-01-01T00:00:00Z&until=9999-12-31',
        `/v1/decisions?cursor=${Date.parse('9999-12-31T23:59:59.999Z')}.9007199254740991`,
        `/v1/decisions?cursor=${Date.parse('0001-01-01T00:00:00Z')}.0`,
        `/v1/accounts/${fixture.accountId}/ledger?cursor=9007199254740991`,
        '/v1/audit?cursor=9007199254740991',
        '/v1/audit?cursor=0',
      ].map(async (path) => [path, (await api.auditor.get(path)).status]),
    );
    expect(answers).toEqual(answers.map(([path]) => [path, 200]));
  });

  it('the denial of a well-formed request is logged, with its reason', async () => {
    api.clock.advance({ seconds: 1 });
    const res = await api.charge({ accountId: fixture.accountId, action: 'video.teleport' });
    expectProblem(res, 422, 'UNKNOWN_ACTION');
    const [logged] = (await api.auditor.get(`/v1/decisions?accountId=${fixture.accountId}&limit=1`)).body.items;
    expect(logged).toMatchObject({ kind: 'charge', action: 'video.teleport', allowed: false, reasons: ['UNKNOWN_ACTION'] });
  });

  it('a request id the caller sends is echoed, and one is made up otherwise', async () => {
    const given = await api.service.get('/v1/charges/ch_nope', { headers: { 'x-request-id': 'trace-4521' } });
    const made = await api.service.get('/v1/charges/ch_nope');
    expect([given.headers['x-request-id'], given.body.requestId]).toEqual(['trace-4521', 'trace-4521']);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
