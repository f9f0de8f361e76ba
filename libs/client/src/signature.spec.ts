import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook, WebhookVerificationError } from './signature';

const SECRET = 'whsec_test_secret_0123456789';
const BODY = JSON.stringify({ id: 'evt_1', type: 'balance.low', createdAt: '2026-03-20T12:00:00.000Z', accountId: 'acme', data: { balance: 12 } });
const T = 1_774_008_000;
const NOW = new Date(T * 1000);

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof WebhookVerificationError ? e.reason : `not a verification error: ${String(e)}`;
  }
  return undefined;
}

describe(signWebhook.name, () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const hex = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook(BODY, SECRET, T)).toBe(`t=${T},v1=${hex}`);
  });
});

describe(verifyWebhook.name, () => {
  const sut = (body: string | Uint8Array, header: string | undefined, secret: string | string[] = SECRET, now = NOW) => verifyWebhook(body, header, secret, { now });

  it('returns the event of a body signed with the secret, from text or bytes', () => {
    const header = signWebhook(BODY, SECRET, T);
    expect(sut(BODY, header)).toEqual(JSON.parse(BODY));
    expect(sut(Buffer.from(BODY), header).id).toBe('evt_1');
  });

  it('detects a tampered body, another secret, a stale or future timestamp, and a missing or malformed header', () => {
    const header = signWebhook(BODY, SECRET, T);
    expect(reasonOf(() => sut(BODY.replace('12', '1200'), header))).toBe('signature-mismatch');
    expect(reasonOf(() => sut(BODY, header, 'whsec_another_secret_99999'))).toBe('signature-mismatch');
    expect(reasonOf(() => sut(BODY, header.replace(`t=${T}`, `t=${T + 1}`)))).toBe('signature-mismatch');
    expect(reasonOf(() => sut(BODY, header, SECRET, new Date((T + 301) * 1000)))).toBe('timestamp-outside-tolerance');
    expect(reasonOf(() => sut(BODY, header, SECRET, new Date((T - 301) * 1000)))).toBe('timestamp-outside-tolerance');
    expect(reasonOf(() => sut(BODY, undefined))).toBe('missing-header');
    expect(reasonOf(() => sut(BODY, 'v1=abc'))).toBe('malformed-header');
    expect(reasonOf(() => sut(BODY, `t=${T}`))).toBe('malformed-header');
    expect(reasonOf(() => sut('not json', signWebhook('not json', SECRET, T)))).toBe('invalid-body');
  });

  it('accepts any of several secrets (rotation) and any of several v1 signatures', () => {
    expect(sut(BODY, signWebhook(BODY, 'whsec_new_secret_000000000', T), ['whsec_new_secret_000000000', SECRET]).id).toBe('evt_1');
    const both = `${signWebhook(BODY, 'whsec_old_secret_000000000', T)},v1=${signWebhook(BODY, SECRET, T).split('v1=')[1]}`;
    expect(sut(BODY, both).id).toBe('evt_1');
  });

  it('takes the tolerance as an option, 0 turning the check off', () => {
    const header = signWebhook(BODY, SECRET, T);
    expect(verifyWebhook(BODY, header, SECRET, { now: new Date((T + 3600) * 1000), toleranceSeconds: 0 }).id).toBe('evt_1');
    expect(reasonOf(() => verifyWebhook(BODY, header, SECRET, { now: new Date((T + 61) * 1000), toleranceSeconds: 60 }))).toBe('timestamp-outside-tolerance');
  });
});
