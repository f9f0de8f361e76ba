import { randomUUID } from 'node:crypto';
import { expectProblem, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// Keys named like what every JavaScript object inherits (`constructor`, `toString`, `__proto__`...)
// are data like any other key. Nest's validation pipe deleted some and class-transformer skipped the
// others, so a parameter of that name vanished: the charge went through as if it had not been sent,
// and two bodies that differed only there replayed each other under one Idempotency-Key. Now such a
// parameter is unknown (422 INVALID_PARAMS, from the engine, like any unknown parameter), and such a
// field of a body or a query is an unknown field (400). Nothing is polluted on the way.

const NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** A JSON body with one more key, written as text: `{ ...body, [name]: value }` cannot carry `__proto__`. */
const withKey = (body: object, name: string, value: unknown): string => `${JSON.stringify(body).slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(value)}}`;

describe.each(DATABASE_KINDS)('keys named like Object.prototype members on %s', (kind) => {
  const api = useApi(kind);
  let accountId: string;
  const video = { tier: 'standard', seconds: 2 };

  beforeAll(async () => {
    accountId = (await api.createAccount({ plan: 'pro' })).id;
  });

  it.each(NAMES)('a parameter `%s` is unknown: 422 INVALID_PARAMS for a quote, a charge and a hold, nothing charged', async (name) => {
    const before = await api.fingerprint({ withLog: false });
    const params = JSON.parse(withKey(video, name, 1)) as Json;
    const body = `{"accountId":${JSON.stringify(accountId)},"action":"video.generate","params":${withKey(video, name, 1)}}`;
    expect(Object.keys(params)).toContain(name);

    const quote = await api.service.request('POST', '/v1/decisions', { raw: body });
    const charge = await api.service.request('POST', '/v1/charges', { raw: body, idempotencyKey: randomUUID() });
    const hold = await api.service.request('POST', '/v1/holds', { raw: body, idempotencyKey: randomUUID() });

    for (const res of [quote, charge, hold]) {
      expectProblem(res, 422, 'INVALID_PARAMS');
      expect(res.body.detail).toBe(`unknown parameter \`${name}\` for \`video.generate\`; parameters are \`tier\`, \`resolution\`, \`seconds\``);
    }
    expect(await api.fingerprint({ withLog: false })).toEqual(before);
  });

  it.each(NAMES)('two charges that differ only by a parameter `%s` do not replay each other under one key', async (name) => {
    const key = randomUUID();
    const first = await api.charge({ accountId, action: 'video.generate', params: video }, key);
    expect(first.status).toBe(201);
    const before = await api.fingerprint({ withLog: false });

    const second = await api.service.request('POST', '/v1/charges', { raw: `{"accountId":${JSON.stringify(accountId)},"action":"video.generate","params":${withKey(video, name, 1)}}`, idempotencyKey: key });

    expectProblem(second, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(await api.fingerprint({ withLog: false })).toEqual(before);
  });

  it.each(NAMES)('a capture with a parameter `%s` is refused and the hold stays active', async (name) => {
    const hold = await api.hold({ accountId, action: 'video.generate', params: video });
    expect(hold.status).toBe(201);

    const capture = await api.service.request('POST', `/v1/holds/${hold.body.id}/capture`, { raw: `{"params":${withKey({ seconds: 1 }, name, 1)}}` });

    expectProblem(capture, 422, 'INVALID_PARAMS');
    expect(capture.body.detail).toContain(`unknown parameter \`${name}\``);
    expect((await api.service.get(`/v1/holds/${hold.body.id}`)).body.status).toBe('active');
    expect((await api.service.post(`/v1/holds/${hold.body.id}/release`)).status).toBe(200);
  });

  it.each(NAMES)('a field `%s` of a body is unknown: 400, at the top and nested', async (name) => {
    const before = await api.fingerprint({ withLog: false });

    const top = await api.service.request('POST', '/v1/charges', { raw: withKey({ accountId, action: 'chat.edit' }, name, 1), idempotencyKey: randomUUID() });
    const nested = await api.admin.request('POST', '/v1/rulesets', { raw: `{"files":[${withKey({ path: 'plans.yaml', text: 'plans: []' }, name, 1)}],"message":"x"}` });
    const grant = await api.admin.request('POST', `/v1/accounts/${accountId}/grants`, { raw: withKey({ amount: 1, reason: 'x' }, name, { admin: true }) });

    expectProblem(top, 400, 'INVALID_REQUEST');
    expect(top.body.errors).toEqual([{ field: name, message: `unknown field \`${name}\`` }]);
    expectProblem(nested, 400, 'INVALID_REQUEST');
    expect(nested.body.errors).toEqual([{ field: `files.0.${name}`, message: `unknown field \`${name}\`` }]);
    expectProblem(grant, 400, 'INVALID_REQUEST');
    expect(grant.body.errors).toEqual([{ field: name, message: `unknown field \`${name}\`` }]);
    expect(await api.fingerprint({ withLog: false })).toEqual(before);
  });

  it('an unknown field named so is reported with the body’s other mistakes', async () => {
    const res = await api.service.request('POST', '/v1/charges', { raw: withKey({ accountId, action: 42 }, 'toString', 1), idempotencyKey: randomUUID() });
    expectProblem(res, 400, 'INVALID_REQUEST');
    expect(res.body.errors).toEqual(expect.arrayContaining([{ field: 'toString', message: 'unknown field `toString`' }, { field: 'action', message: expect.stringMatching(/string/) }]));
  });

  it.each(NAMES)('a query parameter `%s` is unknown: 400 on every list route', async (name) => {
    const paths = ['/v1/decisions', `/v1/accounts/${accountId}/ledger`, '/v1/audit', '/v1/keys', '/v1/rulesets', '/v1/rulesets/activations'];
    const answers = await Promise.all(paths.map(async (path) => [path, await api.admin.get(`${path}?${encodeURIComponent(name)}=1`)] as const));
    expect(answers.map(([path, res]) => [path, res.status, res.body.code, res.body.errors])).toEqual(paths.map((path) => [path, 400, 'INVALID_REQUEST', [{ field: name, message: `unknown field \`${name}\`` }]]));
  });

  it('a charge whose parameters are as sent is logged and replayed with them', async () => {
    const key = randomUUID();
    const first = await api.charge({ accountId, action: 'video.generate', params: video }, key);
    const again = await api.charge({ accountId, action: 'video.generate', params: video }, key);
    expect([first.status, again.status, again.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
    expect(again.body.params).toEqual(video);
    const [logged] = (await api.auditor.get(`/v1/decisions?accountId=${accountId}&limit=1`)).body.items;
    expect(logged.params).toEqual(video);
  });

  it('nothing was polluted: a plain object has no inherited key from the bodies above', () => {
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});
