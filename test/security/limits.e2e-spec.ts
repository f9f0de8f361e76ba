import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { enumerateValues, type Param } from '@ratecard/dsl';
import { expectProblem, useApi, type ApiHarness, type Reply } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { ratecard } from '../support/cli-io';
import { compileBundled } from '../support/rules';

// The service's limits: body size (BODY_LIMIT_BYTES), parameter ranges from the rules, requests per
// second per key (RATE_LIMIT_PER_KEY, on the frozen clock), and the time a client may take to send
// a request (REQUEST_TIMEOUT_MS). Each refusal is a problem document and changes nothing.

/** A JSON charge body padded with whitespace to exactly `bytes` bytes. */
function chargeBody(accountId: string, bytes: number): string {
  const json = JSON.stringify({ accountId, action: 'chat.edit' });
  if (json.length > bytes) throw new Error(`a charge body needs at least ${json.length} bytes`);
  return json.slice(0, -1) + ' '.repeat(bytes - json.length) + '}';
}

/** A raw request over node:http: chunked when `chunked`, with any Content-Length we like. */
function raw(api: ApiHarness, options: { path: string; key: string; headers?: Record<string, string>; body?: string; chunked?: boolean }): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${api.url}${options.path}`, { method: 'POST', headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may answer and close before it has read the whole body.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (options.chunked && options.body) {
      for (let i = 0; i < options.body.length; i += 512) req.write(options.body.slice(i, i + 512));
      req.end();
    } else req.end(options.body);
  });
}

describe.each(DATABASE_KINDS)('limits on %s', (kind) => {
  describe('body size', () => {
    const LIMIT = 2048;
    const api = useApi(kind, { BODY_LIMIT_BYTES: String(LIMIT) });

    it(`a body of BODY_LIMIT_BYTES (${LIMIT}) is read; one byte more is 413 BODY_TOO_LARGE and changes nothing`, async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.fingerprint();
      const over = await api.service.request('POST', '/v1/charges', { raw: chargeBody(id, LIMIT + 1), idempotencyKey: randomUUID() });
      expectProblem(over, 413, 'BODY_TOO_LARGE');
      expect(await api.fingerprint()).toEqual(before);

      const at = await api.service.request('POST', '/v1/charges', { raw: chargeBody(id, LIMIT), idempotencyKey: randomUUID() });
      expect(at.status).toBe(201);
    });

    it('a chunked body (no Content-Length) is cut at the limit too', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.fingerprint();
      const res = await raw(api, { path: '/v1/charges', key: api.service.key!, body: chargeBody(id, LIMIT * 4), chunked: true });
      expect([res.status, JSON.parse(res.body).code]).toEqual([413, 'BODY_TOO_LARGE']);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(await api.fingerprint()).toEqual(before);
    });

    it('a Content-Length over the limit is refused before the body is sent', async () => {
      const res = await raw(api, { path: '/v1/charges', key: api.service.key!, headers: { 'content-length': String(1024 ** 3) } });
      expect([res.status, JSON.parse(res.body).code]).toEqual([413, 'BODY_TOO_LARGE']);
    });
  });

  describe('parameter ranges', () => {
    const api = useApi(kind);

    /** For every parameter of every action: values outside what the rules allow, and the edges inside. */
    async function cases(): Promise<{ outside: [string, string, unknown][]; edges: [string, string, unknown][] }> {
      const compiled = await compileBundled();
      const outside: [string, string, unknown][] = [];
      const edges: [string, string, unknown][] = [];
      for (const [action, ca] of compiled.actions) {
        for (const p of ca.params.values() as Iterable<Param>) {
          const values = enumerateValues(p);
          if (p.min !== undefined) outside.push([action, p.name, p.min - 1], [action, p.name, -1e308]);
          if (p.max !== undefined) outside.push([action, p.name, p.max + 1], [action, p.name, 1e308]);
          if (p.type === 'integer') outside.push([action, p.name, (p.min ?? 0) + 0.5], [action, p.name, String(p.min ?? 1)]);
          if (p.values) outside.push([action, p.name, 'not-a-value'], [action, p.name, p.values.length * 1000]);
          outside.push([action, p.name, null], [action, p.name, [values?.[0] ?? 1]], [action, p.name, { value: 1 }]);
          if (p.min !== undefined) edges.push([action, p.name, p.min]);
          if (p.max !== undefined) edges.push([action, p.name, p.max]);
        }
      }
      return { outside, edges };
    }

    it('every value outside a parameter\'s range or values is 422 INVALID_PARAMS, for a decision and for a charge, and changes nothing', async () => {
      const { outside } = await cases();
      expect(outside.length).toBeGreaterThan(20);
      const { id } = await api.createAccount({ plan: 'premium' });
      const before = await api.fingerprint({ withLog: false });
      const wrong: string[] = [];
      for (const [action, param, value] of outside) {
        const body = { accountId: id, action, params: { [param]: value } };
        for (const [route, res] of [
          ['decision', await api.service.post('/v1/decisions', body)],
          ['charge', await api.charge(body)],
        ] as [string, Reply][]) {
          const got = `${res.status} ${res.body.code} ${res.body.decision?.reasons?.map((r: { code: string }) => r.code).join(',')}`;
          if (got !== '422 INVALID_PARAMS INVALID_PARAMS' || !/^application\/problem\+json/.test(res.headers['content-type'])) wrong.push(`${route} ${action} ${param}=${JSON.stringify(value)}: ${got}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(await api.fingerprint({ withLog: false })).toEqual(before);
    });

    it('the edges of a range are allowed', async () => {
      const { edges } = await cases();
      const { id } = await api.createAccount({ plan: 'premium' });
      for (const [action, param, value] of edges) {
        const res = await api.service.post('/v1/decisions', { accountId: id, action, params: { [param]: value } });
        expect({ action, param, value, status: res.status, reasons: res.body.reasons }).toEqual({ action, param, value, status: 200, reasons: [] });
      }
    });
  });

  // Limits in the HTTP layer, the same on either database: run once, on SQLite.
  if (kind !== 'sqlite') return;

  describe('the impact window', () => {
    const api = useApi(kind);

    it('takes at most five digits, in the API and in the CLI; more put its start before any date (a 500 and an SQL error)', async () => {
      const version = (await api.createAccount({ plan: 'basic' })).rulesetVersion;
      expectProblem(await api.admin.post('/v1/rulesets/impact', { version, since: '100000d' }), 400, 'INVALID_REQUEST');
      expect((await api.admin.post('/v1/rulesets/impact', { version, since: '99999d' })).status).toBe(200);
      const cli = await ratecard(['impact', '--candidate', 'rules', '--since', '99999999999d']);
      expect(cli).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard impact: --since takes a duration such as `30d`, `12h` or `90m` \(at most 5 digits\)/) });
    });
  });

  describe('requests per key', () => {
    const RATE = 3;
    const api = useApi(kind, { RATE_LIMIT_PER_KEY: String(RATE) });
    // Each test an hour after the last: the buckets of the admin key carry over between tests.
    let hour = 0;
    beforeEach(() => api.clock.advance({ hours: ++hour }));

    it(`a key makes ${RATE} requests per second; more are 429 RATE_LIMITED; another key is not affected; the clock refills the bucket`, async () => {
      api.clock.advance({ seconds: 10 });
      const first = await api.createKey('service', 'first');
      const second = await api.createKey('service', 'second');
      api.clock.advance({ seconds: 10 });

      const burst = [];
      for (let i = 0; i < RATE + 2; i++) burst.push(await first.client.get('/v1/whoami'));
      expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
      expectProblem(burst[RATE], 429, 'RATE_LIMITED');
      expect(burst[RATE].body.retryAfterSeconds).toBe(1);
      expect(burst[RATE].headers['retry-after']).toBe('1');

      // Another key has its own bucket.
      for (let i = 0; i < RATE; i++) expect((await second.client.get('/v1/whoami')).status).toBe(200);

      // A third of a second later, one request's worth; a second later, a full bucket again.
      api.clock.advance({ ms: Math.ceil(1000 / RATE) });
      expect((await first.client.get('/v1/whoami')).status).toBe(200);
      expect((await first.client.get('/v1/whoami')).status).toBe(429);
      api.clock.advance({ seconds: 1 });
      for (let i = 0; i < RATE; i++) expect((await first.client.get('/v1/whoami')).status).toBe(200);
      expect((await first.client.get('/v1/whoami')).status).toBe(429);
    });

    it('a charge refused for the rate changes nothing', async () => {
      api.clock.advance({ seconds: 10 });
      const { id } = await api.createAccount({ plan: 'basic' });
      const key = await api.createKey('service', 'charger');
      api.clock.advance({ seconds: 10 });
      const answers = [];
      for (let i = 0; i < RATE; i++) answers.push((await key.client.post('/v1/charges', { accountId: id, action: 'chat.edit' }, { idempotencyKey: randomUUID() })).status);
      expect(answers).toEqual([201, 201, 201]);

      const before = await api.fingerprint({ withLog: false });
      expectProblem(await key.client.post('/v1/charges', { accountId: id, action: 'chat.edit' }, { idempotencyKey: randomUUID() }), 429, 'RATE_LIMITED');
      expect(await api.fingerprint({ withLog: false })).toEqual(before);
    });

    it('a clock that steps back does not lock a key out', async () => {
      api.clock.advance({ hours: 1 });
      const key = await api.createKey('auditor', 'stepped');
      expect((await key.client.get('/v1/whoami')).status).toBe(200);
      // The host's clock is set back an hour (NTP, a VM resumed): the key keeps working.
      api.clock.advance({ hours: -1 });
      expect((await key.client.get('/v1/whoami')).status).toBe(200);
    });
  });

  describe('request timeout', () => {
    const api = useApi(kind, { REQUEST_TIMEOUT_MS: '200' });

    /** A raw connection that sends `text` and then nothing; resolves with what came back when it closes. */
    async function stall(text: string): Promise<{ answer: string; closed: Promise<unknown> }> {
      const socket = connect(Number(new URL(api.url).port), '127.0.0.1');
      await once(socket, 'connect');
      const result = { answer: '', closed: once(socket, 'close') };
      socket.on('data', (d: Buffer) => (result.answer += d.toString('utf8')));
      socket.write(text);
      return result;
    }

    it.each([
      ['its headers and then stalls the body', (id: string, key: string) => ['POST /v1/charges HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${key}`, 'Content-Type: application/json', `Idempotency-Key: ${randomUUID()}`, 'Content-Length: 1000', '', `{"accountId":"${id}",`].join('\r\n')],
      ['half its headers and then stalls', (_id: string, key: string) => ['POST /v1/charges HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${key}`, 'Content-Ty'].join('\r\n')],
    ])('a client that sends %s is cut off (408 REQUEST_TIMEOUT); the others are served', async (_name, request) => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const before = await api.fingerprint({ withLog: false });
      const stalled = await stall(request(id, api.service.key!));

      // Other clients are answered: the stalled connection holds up nothing but itself.
      for (let i = 0; i < 5; i++) expect((await api.charge({ accountId: id, action: 'chat.edit' })).status).toBe(201);

      await stalled.closed;
      const [head, body] = stalled.answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 408 /);
      expect(head.toLowerCase()).toContain('content-type: application/problem+json');
      expect(JSON.parse(body)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
      const after = await api.fingerprint({ withLog: false });
      expect(after.charges).toBe(Number(before.charges) + 5);
      expect((await api.account(id)).balance).toBe(1500 - 5 * 0.5);
    });
  });
});
