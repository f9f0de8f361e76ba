/**
 * A real HTTP proxy in front of the service that misbehaves on cue, for the client's retry tests:
 * each request takes the next step of a script (answer a status, reset the connection, hang, or
 * forward to the service and then reset the connection so the answer is lost), then passes
 * requests through. It records what it was sent, so a test can check that every retry carried the
 * same body and idempotency key.
 *
 * @example
 * const proxy = await FlakyProxy.start(api.url);
 * proxy.script = ['forward-then-reset', { status: 503 }, 'pass'];
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one request. */
export type Step = 'pass' | 'reset' | 'hang' | 'forward-then-reset' | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string };

export interface Proxied {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly step: Step;
}

export class FlakyProxy {
  /** Steps for the next requests, first first; then every request passes. */
  script: Step[] = [];
  readonly requests: Proxied[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<FlakyProxy> {
    const holder: { p?: FlakyProxy } = {};
    const server = createServer((req, res) => holder.p!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.p = new FlakyProxy(server, new URL(target));
    server.on('connection', (s: Socket) => {
      holder.p!.sockets.add(s);
      s.once('close', () => holder.p!.sockets.delete(s));
    });
    return holder.p;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const step = this.script.shift() ?? 'pass';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body: body.toString('utf8'), step });
      if (step === 'reset') return void req.socket.destroy();
      if (step === 'hang') return;
      if (typeof step === 'object') {
        res.writeHead(step.status, { 'content-type': 'application/problem+json', ...(step.headers ?? {}) }).end(step.body ?? JSON.stringify({ type: 'about:blank', title: 'flaky', status: step.status, code: 'FLAKY', detail: 'the proxy said so' }));
        return;
      }
      const out = httpRequest(new URL(req.url ?? '/', this.target), { method: req.method, headers: { ...req.headers, host: this.target.host } }, (upstream) => {
        const answer: Buffer[] = [];
        upstream.on('data', (c: Buffer) => answer.push(c));
        upstream.on('end', () => {
          // The service did the work; the caller never hears about it.
          if (step === 'forward-then-reset') return void req.socket.destroy();
          res.writeHead(upstream.statusCode ?? 502, upstream.headers).end(Buffer.concat(answer));
        });
      });
      out.on('error', () => req.socket.destroy());
      out.end(body);
    });
  }
}
