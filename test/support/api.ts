/**
 * The decision service over real HTTP for e2e suites: a fresh real database (SQLite file or
 * PostgreSQL), the app built by `createApp` with a frozen clock, listening on a random loopback port,
 * and small fetch clients that send JSON with a bearer key. Nothing of ours is mocked. The service
 * logs nothing; `RATECARD_TEST_LOG_LEVEL=error npx jest test/api` shows its errors (a 500's stack).
 *
 * @example
 * describe.each(DATABASE_KINDS)('charges on %s', (kind) => {
 *   const api = useApi(kind);
 *   it('charges', async () => {
 *     const account = await api.createAccount({ plan: 'basic' });
 *     const res = await api.charge({ accountId: account.id, action: 'chat.edit' });
 *     expect(res.status).toBe(201);
 *   });
 * });
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { SourceFile } from '@ratecard/dsl';
import { openDatabase, type Database, type DatabaseTarget } from '@ratecard/ledger';
import { createApp } from '../../apps/api/src/app';
import { loadConfig } from '../../apps/api/src/config';
import { RulesService } from '../../apps/api/src/rulesets/rules.service';
import type { Clock } from '../../apps/api/src/tokens';
import { freshDatabase } from './databases';
import { readRuleFiles, withCasesUpdated } from './rules';

/** The time every test starts at; an account created then is anchored on the 20th (cycle 2026-03-20 .. 2026-04-20). */
export const START = new Date('2026-03-20T12:00:00.000Z');

/** The admin key the service creates on first start (`RATECARD_ADMIN_KEY`). */
export const ADMIN_KEY = 'rck_test_admin_key_0123456789abcdef';

/** JSON as it comes back from the service. Tests read it field by field. */
export type Json = any;

/** A response: status, lower-cased headers, and the body (parsed when it is JSON, text otherwise). */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Json;
}

/** How to send one request. `raw` is sent as is instead of `body` as JSON. */
export interface Send {
  readonly body?: unknown;
  readonly raw?: string | Buffer;
  readonly contentType?: string;
  readonly idempotencyKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A clock the tests move by hand; the service reads time only from it. Never sleeps. */
export class TestClock implements Clock {
  private current: Date;

  constructor(start: Date = START) {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): void {
    this.current = new Date(at);
  }

  advance(by: { days?: number; hours?: number; minutes?: number; seconds?: number; ms?: number }): void {
    const ms = (((by.days ?? 0) * 24 + (by.hours ?? 0)) * 60 + (by.minutes ?? 0)) * 60_000 + (by.seconds ?? 0) * 1000 + (by.ms ?? 0);
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A fetch-based client for one bearer key (or none). */
export class Client {
  constructor(
    private readonly base: () => string,
    readonly key?: string,
  ) {}

  async request(method: string, path: string, send: Send = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(send.headers ?? {}) };
    if (this.key !== undefined) headers.authorization = `Bearer ${this.key}`;
    if (send.idempotencyKey !== undefined) headers['idempotency-key'] = send.idempotencyKey;
    let payload: string | Buffer | undefined;
    if (send.raw !== undefined) payload = send.raw;
    else if (send.body !== undefined) payload = JSON.stringify(send.body);
    if (payload !== undefined) headers['content-type'] = send.contentType ?? 'application/json';
    const res = await fetch(`${this.base()}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const body: Json = /json/.test(type) && text !== '' ? JSON.parse(text) : text;
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body };
  }

  get(path: string, send?: Send): Promise<Reply> {
    return this.request('GET', path, send);
  }

  post(path: string, body?: unknown, send: Omit<Send, 'body'> = {}): Promise<Reply> {
    return this.request('POST', path, { ...send, ...(body !== undefined ? { body } : {}) });
  }

  delete(path: string, send?: Send): Promise<Reply> {
    return this.request('DELETE', path, send);
  }
}

/** A key created through `POST /v1/keys`, with a client that uses it. */
export interface TestKey {
  readonly id: string;
  readonly key: string;
  readonly role: 'service' | 'admin' | 'auditor';
  readonly client: Client;
}

/** The running service and what tests need around it. Fields are set by `start()`. */
export class ApiHarness {
  readonly clock = new TestClock();
  private app?: NestFastifyApplication;
  private database?: Database;
  private target?: DatabaseTarget & { url: string };
  private baseUrl?: string;
  private keys?: { service: TestKey; auditor: TestKey };

  constructor(
    readonly kind: DatabaseTarget['kind'],
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  /** The admin key of first start. */
  readonly admin = new Client(() => this.url, ADMIN_KEY);
  /** No key at all. */
  readonly anonymous = new Client(() => this.url);

  get url(): string {
    if (!this.baseUrl) throw new Error('the API is not started: call start() (useApi does it in beforeAll)');
    return this.baseUrl;
  }

  /** A `service` key made at start. */
  get service(): Client {
    return this.started().keys.service.client;
  }

  /** An `auditor` key made at start. */
  get auditor(): Client {
    return this.started().keys.auditor.client;
  }

  /** The service's `DATABASE_URL`, for the CLI on the same database. */
  get databaseUrl(): string {
    if (!this.target) throw new Error('the API is not started: call start() (useApi does it in beforeAll)');
    return this.target.url;
  }

  /** A second connection to the service's database, for checks the API cannot make. */
  get db(): Database {
    return this.started().database;
  }

  /** A provider of the running app (its dispatcher, its sweeper), for tests that drive them. */
  get<T>(token: abstract new (...args: never[]) => T): T {
    if (!this.app) throw new Error('the API is not started: call start() (useApi does it in beforeAll)');
    return this.app.get(token);
  }

  /** A client for any key, e.g. a garbage one. */
  client(key?: string): Client {
    return new Client(() => this.url, key);
  }

  async start(): Promise<void> {
    this.target = await freshDatabase(this.kind);
    const { config, problems } = loadConfig(
      {
        DATABASE_URL: this.target.url,
        RULES_DIR: 'rules',
        RATECARD_ADMIN_KEY: ADMIN_KEY,
        LOG_LEVEL: process.env.RATECARD_TEST_LOG_LEVEL || 'silent',
        RULES_POLL_MS: '3600000',
        // Background loops run on the frozen clock only when a test drives them (`api.get(WebhookDispatcher).drain()`).
        WEBHOOK_DISPATCH_MS: '0',
        SWEEP_INTERVAL_MS: '0',
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        ...this.env,
      },
      process.cwd(),
    );
    if (!config) throw new Error(`bad test configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.app = await createApp(config, { clock: this.clock });
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    const address = this.app.getHttpServer().address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${address.port}`;
    this.database = await openDatabase(this.target);
    this.keys = { service: await this.createKey('service'), auditor: await this.createKey('auditor') };
  }

  /** Makes the service check the active version now, as its poller would (after a CLI activation). */
  async refreshRules(): Promise<string> {
    if (!this.app) throw new Error('the API is not started');
    return this.app.get(RulesService).refresh();
  }

  /** Closes the app and the second connection. */
  async stop(): Promise<void> {
    await this.app?.close();
    await this.database?.close();
    this.app = undefined;
    this.database = undefined;
  }

  /** `POST /v1/keys` with the admin key. */
  async createKey(role: TestKey['role'], name = `${role} key`): Promise<TestKey> {
    const res = await this.admin.post('/v1/keys', { name, role });
    if (res.status !== 201) throw new Error(`could not create a ${role} key: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, key: res.body.key, role, client: this.client(res.body.key) };
  }

  /** `POST /v1/accounts` with the admin key and a fresh id; returns the account. */
  async createAccount(input: { plan: string; billingAnchor?: number; id?: string }): Promise<Json> {
    const res = await this.admin.post('/v1/accounts', { id: input.id ?? newAccountId(), ...input });
    if (res.status !== 201) throw new Error(`could not create an account: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** `GET /v1/accounts/:id` with the admin key; returns the account. */
  async account(id: string): Promise<Json> {
    const res = await this.admin.get(`/v1/accounts/${id}`);
    if (res.status !== 200) throw new Error(`could not read account ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** `POST /v1/charges` with the service key and a fresh idempotency key unless one is given. */
  charge(body: { accountId: string; action: string; params?: Record<string, unknown>; confirm?: boolean }, idempotencyKey: string = randomUUID()): Promise<Reply> {
    return this.service.post('/v1/charges', body, { idempotencyKey });
  }

  /** `POST /v1/holds` with the service key and a fresh idempotency key unless one is given. */
  hold(body: { accountId: string; action: string; params?: Record<string, unknown>; confirm?: boolean; ttlSeconds?: number }, idempotencyKey: string = randomUUID()): Promise<Reply> {
    return this.service.post('/v1/holds', body, { idempotencyKey });
  }

  /** Every ledger entry of an account, oldest first, read page by page through the API. */
  async ledger(accountId: string, pageSize = 50): Promise<Json[]> {
    const all: Json[] = [];
    let cursor: number | null | undefined;
    do {
      const res = await this.admin.get(`/v1/accounts/${accountId}/ledger?order=asc&limit=${pageSize}${cursor != null ? `&cursor=${cursor}` : ''}`);
      if (res.status !== 200) throw new Error(`could not read the ledger of ${accountId}: ${res.status} ${JSON.stringify(res.body)}`);
      all.push(...res.body.items);
      cursor = res.body.next;
    } while (cursor != null);
    return all;
  }

  /**
   * What an account looks like, for "nothing changed" checks: balance, held credits, usage and the
   * number of ledger entries, read through the API.
   */
  async snapshot(accountId: string): Promise<{ balance: number; held: number; usage: Json; entries: number }> {
    const account = await this.account(accountId);
    return { balance: account.balanceMillicredits, held: account.heldMillicredits, usage: account.usage, entries: (await this.ledger(accountId)).length };
  }

  /** Runs SQL on the second connection (`?` placeholders work on both databases). */
  async sql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.orm.em.fork().getConnection().execute(query, params)) as T[];
  }

  /**
   * A fingerprint of everything a request could change, read from the database: every account's
   * plan and balances, and the row counts of every table. Equal before and after means the request
   * changed nothing (`withLog: false` leaves out the decision log, which quotes and denials write).
   */
  async fingerprint(options: { withLog?: boolean } = {}): Promise<Record<string, unknown>> {
    // Quote log rows may trail the answer; reading the log through the API writes them first.
    if (options.withLog !== false) expect((await this.admin.get('/v1/decisions?limit=1')).status).toBe(200);
    const accounts = await this.sql<Record<string, unknown>>('select id, plan, pending_plan, balance_mc, held_mc, billing_anchor from account order by id');
    const [counts] = await this.sql<Record<string, unknown>>(
      [
        'select (select count(*) from ledger_entry) as ledger_entries',
        '(select count(*) from charge) as charges',
        '(select count(*) from hold) as holds',
        "(select count(*) from hold where status = 'active') as active_holds",
        '(select count(*) from usage_counter) as usage_rows',
        '(select coalesce(sum(count), 0) from usage_counter) as usage_total',
        '(select count(*) from idempotency_record) as idempotency',
        '(select count(*) from api_key) as keys',
        '(select count(*) from api_key where revoked_at is not null) as revoked_keys',
        '(select count(*) from ruleset_version) as versions',
        '(select count(*) from ruleset_activation) as activations',
        '(select count(*) from ruleset_cases) as case_revisions',
        '(select count(*) from audit_event) as audit',
        '(select count(*) from decision_log) as decision_log',
      ].join(', '),
    );
    const { decision_log: decisionLog, ...rest } = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]));
    return {
      accounts: accounts.map((a) => [a.id, a.plan, a.pending_plan, Number(a.balance_mc), Number(a.held_mc), Number(a.billing_anchor)]),
      ...rest,
      ...(options.withLog === false ? {} : { decisionLog }),
    };
  }

  /**
   * Every way the stored ledger can be inconsistent, read from the database directly: an account
   * whose cached balance is not the sum of its entries or is negative, an entry whose `balanceAfter`
   * does not follow from the previous one, held credits that are not the sum of active holds.
   */
  async ledgerProblems(): Promise<string[]> {
    const problems: string[] = [];
    const accounts = await this.sql<{ id: string; balance_mc: string | number; held_mc: string | number }>('select id, balance_mc, held_mc from account order by id');
    for (const a of accounts) {
      const balance = Number(a.balance_mc);
      const held = Number(a.held_mc);
      const entries = await this.sql<{ id: string | number; amount_mc: string | number; balance_after_mc: string | number }>(
        'select id, amount_mc, balance_after_mc from ledger_entry where account_id = ? order by id',
        [a.id],
      );
      let running = 0;
      for (const e of entries) {
        running += Number(e.amount_mc);
        if (Number(e.balance_after_mc) !== running) problems.push(`${a.id}: entry ${e.id} says balanceAfter ${e.balance_after_mc}, the entries before it sum to ${running}`);
      }
      if (running !== balance) problems.push(`${a.id}: balance ${balance} but its entries sum to ${running}`);
      if (balance < 0) problems.push(`${a.id}: negative balance ${balance}`);
      const [holds] = await this.sql<{ total: string | number | null }>("select sum(amount_mc) as total from hold where account_id = ? and status = 'active'", [a.id]);
      if (Number(holds?.total ?? 0) !== held) problems.push(`${a.id}: held ${held} but active holds sum to ${Number(holds?.total ?? 0)}`);
    }
    return problems;
  }

  private started(): { database: Database; keys: { service: TestKey; auditor: TestKey } } {
    if (!this.database || !this.keys) throw new Error('the API is not started: call start() (useApi does it in beforeAll)');
    return { database: this.database, keys: this.keys };
  }
}

/**
 * One service on a fresh database of `kind` for the enclosing describe block: started in
 * `beforeAll`, and in `afterAll` the ledger of every account is checked, then everything closed.
 * `beforeEach` puts the clock back at {@link START}.
 */
export function useApi(kind: DatabaseTarget['kind'], env: Readonly<Record<string, string>> = {}): ApiHarness {
  const api = new ApiHarness(kind, env);
  beforeAll(() => api.start(), 60_000);
  beforeEach(() => api.clock.set(START));
  afterAll(async () => {
    try {
      expect(await api.ledgerProblems()).toEqual([]);
    } finally {
      await api.stop();
    }
  });
  return api;
}

/** A fresh account id. */
export function newAccountId(prefix = 'acct'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Credits to millicredits, for comparing exact amounts. */
export function mc(credits: number): number {
  return Math.round(credits * 1000);
}

/** Asserts a problem document: status, media type, code, and the RFC 9457 fields. */
export function expectProblem(res: Reply, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.stringMatching(/^https?:\/\//), title: expect.any(String), status, code, detail: expect.any(String) });
}

/**
 * The bundled rule files with one text replacement in one file, their cases updated to what the
 * edited rules give: a rule set of another version that can be published (publishing runs the cases).
 * Fails when `search` is not in the file, so a change to rules/ cannot silently make it a no-op.
 */
export function bundledRulesWith(file: string, search: string, replace: string): Promise<SourceFile[]> {
  const key = JSON.stringify([file, search, replace]);
  let files = edited.get(key);
  if (!files) edited.set(key, (files = withCasesUpdated(rawRulesWith(file, search, replace))));
  return files;
}

/** Edited rule sets by their edit: the same edit gives the same files (with the same cases). */
const edited = new Map<string, Promise<SourceFile[]>>();

/**
 * The bundled rule files with one text replacement in one file and the cases untouched: for files
 * that must not compile, or whose cases must fail. Fails when `search` is not in the file.
 */
export function rawRulesWith(file: string, search: string, replace: string): SourceFile[] {
  return readRuleFiles().map((f) => {
    if (f.path !== `rules/${file}`) return f;
    if (!f.text.includes(search)) throw new Error(`\`${search}\` is not in rules/${file}`);
    return { path: f.path, text: f.text.replace(search, replace) };
  });
}
