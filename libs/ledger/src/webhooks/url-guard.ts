import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { LedgerError } from '../errors';

/**
 * The server-side request forgery guard of webhook URLs: a webhook must not make ratecard call
 * into its own network. Addresses that are not public are refused: loopback, private, link-local,
 * unique-local, and the other special-purpose ranges (this network, shared address space,
 * multicast, reserved). A host name is resolved and every address it resolves to is checked, when
 * the webhook is registered and again when each delivery connects (so a name that later resolves
 * to a private address is refused then: DNS rebinding).
 */

/** Why an address is not public, by range. */
const RANGES: readonly [string, readonly [string, number, 'ipv4' | 'ipv6'][]][] = [
  ['loopback', [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]],
  ['private', [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['100.64.0.0', 10, 'ipv4']]],
  ['link-local', [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']]],
  ['unique-local', [['fc00::', 7, 'ipv6']]],
  ['unspecified', [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']]],
  ['multicast', [['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']]],
  ['reserved', [['240.0.0.0', 4, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['198.18.0.0', 15, 'ipv4'], ['192.0.2.0', 24, 'ipv4'], ['198.51.100.0', 24, 'ipv4'], ['203.0.113.0', 24, 'ipv4'], ['2001:db8::', 32, 'ipv6']]],
];

const LISTS = RANGES.map(([why, subnets]) => {
  const list = new BlockList();
  for (const [net, prefix, type] of subnets) list.addSubnet(net, prefix, type);
  return [why, list] as const;
});

/** What kind of non-public address `ip` is, or null for a public one. IPv4-mapped IPv6 addresses are judged as IPv4. */
export function nonPublicAddress(ip: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1] : ip;
  const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  for (const [why, list] of LISTS) if (list.check(address, type)) return why;
  return null;
}

/** Resolves a host name to all its addresses. */
export type LookupAll = (hostname: string) => Promise<readonly string[]>;

export const lookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (e, addresses: LookupAddress[]) => (e ? reject(e) : resolve(addresses.map((a) => a.address)))));

/** What the guard allows. `allowPrivate` is `WEBHOOK_ALLOW_PRIVATE_URLS`, for local development and tests. */
export interface UrlGuardOptions {
  readonly allowPrivate: boolean;
  readonly lookup?: LookupAll;
}

function refused(url: string, why: string, extra: Record<string, unknown> = {}): LedgerError {
  return new LedgerError('WEBHOOK_URL_REFUSED', `\`${url}\` ${why}`, { url, ...extra });
}

/** The host of a URL without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks a webhook URL: `http` or `https`, no credentials, and (unless private URLs are allowed)
 * only public addresses: an IP literal is checked as is, a host name must resolve and every address
 * it resolves to must be public. Returns the parsed URL; throws `WEBHOOK_URL_REFUSED` saying why.
 */
export async function checkWebhookUrl(raw: string, options: UrlGuardOptions): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(raw, 'is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused(raw, `uses \`${url.protocol.replace(/:$/, '')}\`; webhooks are called over \`https\` (or \`http\`)`);
  if (url.username || url.password) throw refused(raw, 'has credentials in it; sign requests with the webhook secret instead');
  if (options.allowPrivate) return url;
  const host = hostOf(url);
  let addresses: readonly string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await (options.lookup ?? lookupAll)(host);
    } catch (e) {
      throw refused(raw, `does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (addresses.length === 0) throw refused(raw, 'does not resolve');
  }
  for (const address of addresses) {
    const why = nonPublicAddress(address);
    if (why) throw refused(raw, `${isIP(host) ? 'is' : `resolves to ${address}, which is`} a ${why} address; webhooks must be on public addresses (WEBHOOK_ALLOW_PRIVATE_URLS=true allows others, for local development)`, { address, range: why });
  }
  return url;
}

/**
 * A `lookup` for `http.request` that refuses, at connection time, a host name resolving to any
 * address that is not public (unless private URLs are allowed). IP literals never reach a lookup:
 * check them with {@link nonPublicAddress} before connecting.
 */
export function guardedLookup(options: UrlGuardOptions): (hostname: string, opts: object, callback: (e: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void {
  return (hostname, opts, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (e, addresses: LookupAddress[]) => {
      if (e) return callback(e, '');
      if (!options.allowPrivate) {
        const bad = addresses.find((a) => nonPublicAddress(a.address) !== null);
        if (bad) return callback(Object.assign(new Error(`\`${hostname}\` resolves to ${bad.address}, a ${nonPublicAddress(bad.address)} address`), { code: 'EWEBHOOKADDRESS' }), '');
      }
      if ((opts as { all?: boolean }).all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
