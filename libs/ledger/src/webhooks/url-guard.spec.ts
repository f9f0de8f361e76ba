import { LedgerError } from '../errors';
import { checkWebhookUrl, nonPublicAddress } from './url-guard';

describe(nonPublicAddress.name, () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
  ])('%s is %s', (ip, why) => expect(nonPublicAddress(ip)).toBe(why));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) => expect(nonPublicAddress(ip)).toBeNull());
});

describe(checkWebhookUrl.name, () => {
  const lookup = (table: Record<string, string[]>) => async (host: string) => {
    if (!table[host]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return table[host];
  };
  const refusal = async (url: string, table: Record<string, string[]> = {}, allowPrivate = false): Promise<string> => {
    try {
      await checkWebhookUrl(url, { allowPrivate, lookup: lookup(table) });
      return 'accepted';
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      return `${e.code}: ${e.message}`;
    }
  };

  it('accepts https and http on public addresses, by literal or by name', async () => {
    expect(await refusal('https://93.184.216.34/hooks')).toBe('accepted');
    expect(await refusal('https://hooks.example.com/ratecard', { 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'] })).toBe('accepted');
  });

  it('refuses a name when any address it resolves to is not public (one private among public ones too)', async () => {
    expect(await refusal('https://internal.example.com/', { 'internal.example.com': ['93.184.216.34', '10.0.0.7'] })).toBe(
      'WEBHOOK_URL_REFUSED: `https://internal.example.com/` resolves to 10.0.0.7, which is a private address; webhooks must be on public addresses (WEBHOOK_ALLOW_PRIVATE_URLS=true allows others, for local development)',
    );
    expect(await refusal('http://localhost:8080/', { localhost: ['127.0.0.1', '::1'] })).toMatch(/resolves to 127\.0\.0\.1, which is a loopback address/);
  });

  it('refuses literals on loopback, private, link-local and unique-local addresses, other schemes, credentials and names that do not resolve', async () => {
    expect(await refusal('http://127.0.0.1:9000/')).toMatch(/^WEBHOOK_URL_REFUSED: `http:\/\/127\.0\.0\.1:9000\/` is a loopback address/);
    expect(await refusal('http://[::1]/')).toMatch(/is a loopback address/);
    expect(await refusal('http://[::ffff:7f00:1]/')).toMatch(/is a loopback address/);
    expect(await refusal('http://192.168.0.10/')).toMatch(/is a private address/);
    expect(await refusal('http://169.254.169.254/latest/meta-data')).toMatch(/is a link-local address/);
    expect(await refusal('http://[fd00::1]/')).toMatch(/is a unique-local address/);
    expect(await refusal('ftp://93.184.216.34/')).toBe('WEBHOOK_URL_REFUSED: `ftp://93.184.216.34/` uses `ftp`; webhooks are called over `https` (or `http`)');
    expect(await refusal('https://user:pw@93.184.216.34/')).toMatch(/has credentials in it/);
    expect(await refusal('https://nowhere.invalid/')).toBe('WEBHOOK_URL_REFUSED: `https://nowhere.invalid/` does not resolve (ENOTFOUND)');
    expect(await refusal('not a url')).toBe('WEBHOOK_URL_REFUSED: `not a url` is not an absolute URL');
  });

  it('allows private addresses when WEBHOOK_ALLOW_PRIVATE_URLS is set, without resolving', async () => {
    expect(await refusal('http://127.0.0.1:9000/', {}, true)).toBe('accepted');
    expect(await refusal('http://receiver.local/', {}, true)).toBe('accepted');
    expect(await refusal('ftp://127.0.0.1/', {}, true)).toMatch(/uses `ftp`/);
  });
});
