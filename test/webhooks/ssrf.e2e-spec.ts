import { postWebhook } from '../../apps/api/src/webhooks/sender';
import { expectProblem, useApi } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { Receiver } from '../support/receiver';

// The server-side request forgery guard, as production runs it (WEBHOOK_ALLOW_PRIVATE_URLS unset):
// a webhook cannot make ratecard call into its own network, neither when it is registered nor when
// a delivery connects (a name that resolves to a private address by then).

describe.each(DATABASE_KINDS)('webhook URLs on %s, private addresses not allowed', (kind) => {
  const api = useApi(kind, { WEBHOOK_ALLOW_PRIVATE_URLS: 'false' });

  it.each([
    ['loopback', 'http://127.0.0.1:8080/hooks'],
    ['loopback by name', 'http://localhost:8080/hooks'],
    ['loopback IPv6', 'http://[::1]/hooks'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hooks'],
    ['private', 'https://10.0.0.5/hooks'],
    ['private', 'https://192.168.1.20/hooks'],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest/meta-data/'],
    ['unique-local', 'https://[fd00::5]/hooks'],
    ['unspecified', 'http://0.0.0.0:3000/'],
  ])('refuses a %s URL (%s) with 422 WEBHOOK_URL_REFUSED and registers nothing', async (_what, url) => {
    const res = await api.admin.post('/v1/webhooks', { url, events: ['*'] });
    expectProblem(res, 422, 'WEBHOOK_URL_REFUSED');
    expect(res.body.detail).toMatch(/(loopback|private|link-local|unique-local|unspecified) address/);
    expect((await api.admin.get('/v1/webhooks')).body).toEqual([]);
  });

  it('accepts a public address', async () => {
    const res = await api.admin.post('/v1/webhooks', { url: 'https://93.184.216.34/hooks', events: ['balance.low'] });
    expect(res.status).toBe(201);
    expect((await api.admin.delete(`/v1/webhooks/${res.body.id}`)).status).toBe(200);
  });
});

describe('a delivery connecting to a private address', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await Receiver.start();
  });
  afterAll(() => receiver.stop());

  it('is refused at connection time, by literal or by a name resolving to one, unless private URLs are allowed', async () => {
    const send = (url: string, allowPrivate: boolean) => postWebhook(url, '{}', { 'content-type': 'application/json' }, { timeoutMs: 5000, guard: { allowPrivate } });
    expect(await send(receiver.url, false)).toEqual({ error: 'refused: 127.0.0.1 is a loopback address' });
    expect(await send(`http://localhost:${receiver.port}/hooks`, false)).toEqual({ error: expect.stringMatching(/^refused: `localhost` resolves to (127\.0\.0\.1|::1), a loopback address$/) });
    expect(receiver.requests).toEqual([]);
    expect(await send(receiver.url, true)).toEqual({ status: 200 });
    expect(receiver.requests).toHaveLength(1);
  });
});
