import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BenchAbort } from '../settings';
import { processCpuMs } from './proc';

/** The built API entry point, as `npm start` runs it. */
export const API_MAIN = 'dist/apps/api/apps/api/src/main.js';

/** Memory of a process from /proc/<pid>/status, in MB (10^6 bytes). */
export interface Rss {
  /** Resident set size now. */
  readonly rssMB: number;
  /** Peak resident set size (VmHWM). */
  readonly peakMB: number;
}

export interface ServerOptions {
  readonly root: string;
  readonly name: string;
  /** `DATABASE_URL`: `sqlite:<file>` or `postgres://...`. */
  readonly databaseUrl: string;
  readonly adminKey: string;
  readonly logLevel: string;
  /** Where the server's stdout (the JSON log) and stderr go; shown when the server fails. */
  readonly logFile: string;
  /** Allow CPU profiles of chosen stretches (see {@link ApiServer.profile}), written into this directory. */
  readonly profileDir?: string;
  /** More environment (e.g. `MIGRATE_ON_START`); the production defaults otherwise. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Preloaded into a profiled server (`node -r`): SIGWINCH (Nest's shutdown hooks listen to SIGUSR2,
 * and SIGUSR1 starts the inspector) starts the V8 sampling profiler through the
 * inspector; the next SIGWINCH stops it and writes `profile-<n>.cpuprofile`. Only the measured runs
 * are profiled, not start-up or warm-up.
 */
function profilerPreload(dir: string): string {
  return `'use strict';
const { Session } = require('node:inspector');
const { writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
let session;
let n = 0;
process.on('SIGWINCH', () => {
  if (!session) {
    session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 500 });
    session.post('Profiler.start');
    return;
  }
  const s = session;
  session = undefined;
  s.post('Profiler.stop', (err, res) => {
    const file = join(${JSON.stringify(dir)}, 'profile-' + ++n + '.cpuprofile');
    if (!err) {
      writeFileSync(file + '.tmp', JSON.stringify(res.profile));
      renameSync(file + '.tmp', file);
    }
    s.disconnect();
  });
});
`;
}

/** A free loopback port (the OS picks it; released just before the server binds it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The built API (`node dist/apps/api/apps/api/src/main.js`) in its own process on loopback, with a
 * database URL, `RATECARD_ADMIN_KEY` and the production defaults for everything else.
 */
export class ApiServer {
  private exited?: string;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly logFile: string,
    private readonly profileDir: string | undefined,
  ) {
    child.once('exit', (code, signal) => (this.exited = signal ?? `exit code ${code}`));
  }

  static async start(options: ServerOptions): Promise<ApiServer> {
    const main = join(options.root, API_MAIN);
    if (!existsSync(main)) throw new BenchAbort(`${API_MAIN} is missing: run \`nest build api\` first (npm run bench does)`);
    const port = await freePort();
    const out = openSync(options.logFile, 'w');
    const nodeArgs: string[] = [];
    let profileDir: string | undefined;
    if (options.profileDir) {
      profileDir = join(options.profileDir, options.name);
      await rm(profileDir, { recursive: true, force: true });
      await mkdir(profileDir, { recursive: true });
      const preload = join(profileDir, 'profiler-preload.js');
      await writeFile(preload, profilerPreload(profileDir));
      nodeArgs.push('-r', preload);
    }
    const child = spawn(process.execPath, [...nodeArgs, main], {
      cwd: options.root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: options.databaseUrl,
        RATECARD_ADMIN_KEY: options.adminKey,
        RULES_DIR: join(options.root, 'rules'),
        LOG_LEVEL: options.logLevel,
        ...options.env,
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const server = new ApiServer(options.name, `http://127.0.0.1:${port}`, child, options.logFile, profileDir);
    await server.ready();
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for `GET /health` to answer 200. */
  private async ready(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.exited) throw new BenchAbort(`the ${this.name} server stopped (${this.exited}) before it was ready:\n${await this.tail()}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new BenchAbort(`the ${this.name} server did not answer /health within 60 s:\n${await this.tail()}`);
  }

  /** The end of the server's output, and how it exited if it did. */
  async tail(): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return `${this.exited ? `(${this.exited}) ` : ''}${text.slice(-4000)}`;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.exited === undefined;
  }

  async rss(): Promise<Rss> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMB: (kb('VmRSS') * 1024) / 1e6, peakMB: (kb('VmHWM') * 1024) / 1e6 };
  }

  /** CPU time the process has used so far (user + system), in ms, from /proc/<pid>/stat. */
  cpuMs(): Promise<number> {
    return processCpuMs(this.pid);
  }

  /** JSON request with a bearer key; throws on a non-2xx answer. */
  async json<T>(method: string, path: string, key: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new BenchAbort(`${method} ${path} on the ${this.name} server answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /**
   * Runs `fn` under the V8 sampling profiler (servers started with `profileDir` only) and returns
   * the `.cpuprofile` written for it, named `<server>-<label>.cpuprofile`.
   */
  async profile<T>(label: string, fn: () => Promise<T>): Promise<{ result: T; file?: string }> {
    if (!this.profileDir) return { result: await fn() };
    const dir = this.profileDir;
    const before = new Set(await readdir(dir));
    this.child.kill('SIGWINCH');
    const result = await fn();
    this.child.kill('SIGWINCH');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const made = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
      if (made) {
        const file = join(dir, `${this.name}-${label}.cpuprofile`);
        await rename(join(dir, made), file);
        return { result, file };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new BenchAbort(`the ${this.name} server wrote no CPU profile for ${label}`);
  }

  /** SIGTERM (graceful shutdown), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  }
}
