/**
 * The built API (`node dist/apps/api/apps/api/src/main.js`) as real child processes on a real
 * database, for the reliability suites: start several on one database, wait for `/health`, kill
 * them with SIGTERM or SIGKILL, start them again on the same port. Nothing is mocked.
 *
 * @example
 * const db = await freshDatabase('postgresql');
 * const [a, b] = await startApis(2, db.url);
 * const key = await a.createKey('service');
 * await b.client(key).post('/v1/charges', { accountId, action: 'chat.edit' }, { idempotencyKey: randomUUID() });
 * await stopAll([a, b]);
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ADMIN_KEY, Client, type Json, type Reply } from './api';
import { REPO_ROOT } from './rules';

/** The built API entry point, as `npm start` runs it (`RATECARD_API_MAIN` points elsewhere, e.g. at another checkout's build). */
export const API_MAIN = process.env.RATECARD_API_MAIN || join(REPO_ROOT, 'dist/apps/api/apps/api/src/main.js');

/** The built API, or a failure that says how to build it. */
export function builtApi(): string {
  if (!existsSync(API_MAIN)) {
    throw new Error(`the built API is missing (${API_MAIN}): run \`npm run build\` first (\`npm ci\` builds it); the reliability suites run the real process`);
  }
  return API_MAIN;
}

/** How a process ended: its exit code, or the signal that killed it. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ApiProcessOptions {
  /** `DATABASE_URL` of the process: `sqlite:/path` or `postgres://...`. */
  readonly databaseUrl: string;
  /** A name for messages ("api-1"). */
  readonly name?: string;
  /** A port to listen on; a free one is picked otherwise. */
  readonly port?: number;
  /** More environment (e.g. `CHARGE_BATCH`), over the defaults below. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for `/health`; 30 s by default. */
  readonly readyWithinMs?: number;
}

/** The environment every test process gets, under `options.env`. */
const DEFAULT_ENV = { HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATECARD_ADMIN_KEY: ADMIN_KEY, RULES_POLL_MS: '200', RULES_DIR: join(REPO_ROOT, 'rules'), WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } as const;

/** The most output kept per process, for failure messages. */
const KEEP_OUTPUT = 64 * 1024;

/** A free loopback port: the OS picks it, and it is released just before the server binds it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a value other than `undefined`, or fails with `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One running API process. */
export class ApiProcess {
  private output = '';
  private exited?: Exit;
  private readonly exit: Promise<Exit>;

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
    readonly options: ApiProcessOptions,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      }),
    );
  }

  /**
   * Starts the built API on `options.databaseUrl` and waits until `/health` answers 200. A port
   * taken between picking and binding it is retried on another one (unless a port was given).
   */
  static async start(options: ApiProcessOptions): Promise<ApiProcess> {
    const main = builtApi();
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const name = options.name ?? `api:${port}`;
      const child = spawn(process.execPath, [main], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...DEFAULT_ENV, ...options.env, PORT: String(port), DATABASE_URL: options.databaseUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const api = new ApiProcess(name, port, child, options);
      try {
        await api.ready(options.readyWithinMs ?? 30_000);
        return api;
      } catch (e) {
        if (api.exited === undefined) await api.kill('SIGKILL');
        if (options.port === undefined && attempt < 3 && /EADDRINUSE/.test(api.output)) continue;
        throw e;
      }
    }
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exited === undefined;
  }

  /** What the process printed last (stdout and stderr), with how it exited if it did. */
  get log(): string {
    return `${this.exited ? `[${this.name} exited: ${this.exited.signal ?? `code ${this.exited.code}`}]\n` : ''}${this.output}`;
  }

  /** A client of this process for a bearer key (the admin key by default). */
  client(key: string | undefined = ADMIN_KEY): Client {
    return new Client(() => this.url, key);
  }

  /** `POST /v1/keys` with the admin key; returns the new key. */
  async createKey(role: 'service' | 'admin' | 'auditor', name = `${role} key`): Promise<string> {
    const res = await this.client().post('/v1/keys', { name, role });
    if (res.status !== 201) throw new Error(`${this.name}: could not create a ${role} key: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.key as string;
  }

  /** `GET /health`'s body. */
  async health(): Promise<Json> {
    return (await this.client(undefined).get('/health')).body;
  }

  /** Waits until `/health` answers 200; fails with the process's output if it exits or the deadline passes. */
  private async ready(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.exited) throw new Error(`${this.name} stopped before it was ready:\n${this.log.slice(-4000)}`);
      try {
        const res = await fetch(`${this.url}/health`);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not answer /health with 200 within ${ms} ms:\n${this.log.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` if the process still runs; does not wait. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Resolves when the process exits; fails after `ms` with its output. */
  async waitForExit(ms = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${ms} ms:\n${this.log.slice(-4000)}`)), ms);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends `signal` and waits for the exit. SIGTERM is the graceful stop: a process still running
   * after `ms` is killed and the wait fails, so a hang is a test failure, not a leak.
   */
  async kill(signal: NodeJS.Signals = 'SIGTERM', ms = 20_000): Promise<Exit> {
    this.signal(signal);
    try {
      return await this.waitForExit(ms);
    } catch (e) {
      this.signal('SIGKILL');
      await this.exit;
      throw e;
    }
  }

  /** A new process like this one, on the same database and port (after this one exited). */
  async restart(env: Readonly<Record<string, string>> = {}): Promise<ApiProcess> {
    if (this.running) throw new Error(`${this.name} is still running: kill it before restarting`);
    return ApiProcess.start({ ...this.options, name: this.name, port: this.port, env: { ...this.options.env, ...env } });
  }
}

/**
 * `n` API processes on one database, named `api-1`... By default the first starts alone (it applies
 * the migrations and publishes the bundled rules) and the rest then start together; `together`
 * starts all of them at the same moment, as an orchestrator would.
 */
export async function startApis(n: number, databaseUrl: string, options: { env?: Readonly<Record<string, string>>; together?: boolean } = {}): Promise<ApiProcess[]> {
  const start = (i: number): Promise<ApiProcess> => ApiProcess.start({ databaseUrl, name: `api-${i + 1}`, ...(options.env ? { env: options.env } : {}) });
  const first = options.together ? [] : [await start(0)];
  const rest = await Promise.allSettled(Array.from({ length: n - first.length }, (_, i) => start(i + first.length)));
  const started = [...first, ...rest.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
  const failed = rest.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length) {
    await Promise.all(started.map((a) => a.kill('SIGKILL')));
    throw new Error(`${failed.length} of ${n} API processes did not start:\n${failed.join('\n')}`);
  }
  return started;
}

/** Fails with the output of every process that exited when it should still be running. */
export function expectRunning(apis: readonly (ApiProcess | undefined)[]): void {
  const gone = apis.filter((a): a is ApiProcess => a !== undefined && !a.running);
  if (gone.length) throw new Error(`${gone.length} API process(es) exited during the test:\n${gone.map((a) => a.log.slice(-4000)).join('\n---\n')}`);
}

/** Stops every process still running: SIGTERM, then SIGKILL for any that hangs. Never throws. */
export async function stopAll(apis: readonly (ApiProcess | undefined)[]): Promise<void> {
  await Promise.all(apis.map((a) => (a?.running ? a.kill('SIGTERM', 10_000).catch(() => undefined) : undefined)));
}

/**
 * A request's outcome: a reply, or the network error that came instead (connection refused or
 * reset), and how long it took in milliseconds.
 */
export type Outcome = ({ readonly reply: Reply; readonly error?: undefined } | { readonly reply?: undefined; readonly error: string }) & { readonly ms: number };

/** Sends a request and turns a network failure into a value instead of throwing. */
export async function attempt(send: () => Promise<Reply>): Promise<Outcome> {
  const started = performance.now();
  try {
    const reply = await send();
    return { reply, ms: performance.now() - started };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (e as Error).message, ms: performance.now() - started };
  }
}

/**
 * One JSON request over `node:http`, with a hook called when the request has been handed to the
 * operating system in full: the shutdown suite uses it to know that a request was sent before a
 * signal. On its own new connection, closed after the answer, unless a (keep-alive) `agent` is given.
 */
export function rawPost(url: string, path: string, key: string, body: unknown, headers: Readonly<Record<string, string>>, onSent: () => void, agent?: Agent): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(`${url}${path}`, {
      method: 'POST',
      agent: agent ?? false,
      headers: { ...headers, authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...(agent ? {} : { connection: 'close' }) },
    });
    req.once('finish', onSent);
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, ms: performance.now() - started }));
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, ms: performance.now() - started }));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const type = String(res.headers['content-type'] ?? '');
        const headersOut = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
        resolve({ reply: { status: res.statusCode ?? 0, headers: headersOut, body: /json/.test(type) && text !== '' ? JSON.parse(text) : text }, ms: performance.now() - started });
      });
    });
    req.end(payload);
  });
}

/** A TCP socket as /proc/net/tcp shows it: ports, state and queue lengths. */
interface TcpSocket {
  readonly localPort: number;
  readonly remotePort: number;
  /** `0A` listening, `01` established, ... */
  readonly state: string;
  /** Bytes received and not yet read by the process; for a listening socket, connections not yet accepted. */
  readonly rxQueue: number;
}

async function tcpSockets(): Promise<TcpSocket[]> {
  const text = await readFile('/proc/net/tcp', 'utf8');
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 4)
    .map((f) => ({ localPort: parseInt(f[1].split(':')[1], 16), remotePort: parseInt(f[2].split(':')[1], 16), state: f[3], rxQueue: parseInt(f[4].split(':')[1], 16) }));
}

/**
 * True when the process listening on `port` has accepted every connection made to it and read
 * every byte sent on them, and at least `connections` are open: the requests are in its hands.
 * Linux only (reads /proc/net/tcp).
 */
export async function allReadBy(port: number, connections: number): Promise<boolean> {
  const sockets = (await tcpSockets()).filter((s) => s.localPort === port);
  const listening = sockets.find((s) => s.state === '0A');
  const open = sockets.filter((s) => s.state === '01');
  return listening !== undefined && listening.rxQueue === 0 && open.length >= connections && open.every((s) => s.rxQueue === 0);
}
