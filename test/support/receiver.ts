/**
 * A real HTTP server that receives webhooks, for the suites: it records every request (headers and
 * the raw body), answers with the status it is told to, can hang (never answer), and can go down
 * (connections refused) and come back up on the same port. Nothing is mocked.
 *
 * @example
 * const receiver = await Receiver.start();
 * await api.admin.post('/v1/webhooks', { url: receiver.url, events: ['*'] });
 * ...
 * expect(receiver.events().map((e) => e.type)).toEqual(['quota.reached']);
 * await receiver.stop();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as it arrived. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body, as sent (and as signed). */
  readonly body: string;
}

export class Receiver {
  /** Every request received, in arrival order (hung ones too). */
  readonly requests: Received[] = [];
  /** What to answer: a status, or `hang` to never answer. */
  answer: number | 'hang' = 200;
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  private constructor(
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  /** Starts listening on a free loopback port (or `port`). */
  static async start(port = 0): Promise<Receiver> {
    const holder: { r?: Receiver } = {};
    const server = await listen((req, res) => holder.r!.handle(req, res), port);
    holder.r = new Receiver((server.address() as AddressInfo).port, server);
    holder.r.track(server);
    return holder.r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The bodies received, parsed. */
  events(): { id: string; type: string; accountId: string | null; data: Record<string, any>; createdAt: string }[] {
    return this.requests.map((r) => JSON.parse(r.body));
  }

  /** Stops accepting connections and drops the open ones: senders get connection errors. */
  async down(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = await listen((req, res) => this.handle(req, res), this.port);
    this.track(this.server);
  }

  async stop(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  private track(server: Server): void {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      if (this.answer === 'hang') {
        this.hung.add(res);
        return;
      }
      res.writeHead(this.answer, { 'content-type': 'text/plain' }).end('ok');
    });
  }
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.keepAliveTimeout = 1000;
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
