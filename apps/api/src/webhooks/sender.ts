import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, nonPublicAddress, type UrlGuardOptions } from '@ratecard/ledger';

/** What one attempt got: an HTTP status, or why there was none. */
export type Attempt = { readonly status: number; readonly error?: undefined } | { readonly status?: undefined; readonly error: string };

/** Most of an answer's body read (and thrown away): receivers should answer quickly and briefly. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs a webhook body: no redirects followed, at most `timeoutMs` for the whole exchange, and the
 * SSRF guard applied when connecting (an IP literal is checked before, a host name as it resolves).
 * Never throws.
 */
export function postWebhook(url: string, body: string, headers: Readonly<Record<string, string>>, options: { timeoutMs: number; guard: UrlGuardOptions }): Promise<Attempt> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ error: 'the URL is not valid' });
    }
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const why = isIP(host) && !options.guard.allowPrivate ? nonPublicAddress(host) : null;
    if (why) return resolve({ error: `refused: ${host} is a ${why} address` });
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (a: Attempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: guardedLookup(options.guard) as never,
      agent: false,
    });
    const timer = setTimeout(() => {
      done({ error: `timed out after ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.once('error', (e: NodeJS.ErrnoException) => done({ error: e.code === 'EWEBHOOKADDRESS' ? `refused: ${e.message}` : `${e.code ?? 'error'}: ${e.message}` }));
    req.once('response', (res: IncomingMessage) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      res.once('close', () => done({ status: res.statusCode ?? 0 }));
      res.once('error', () => done({ status: res.statusCode ?? 0 }));
    });
    req.end(body);
  });
}
