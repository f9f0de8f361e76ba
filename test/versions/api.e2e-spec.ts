import type { SourceFile } from '@ratecard/dsl';
import type { Database } from '@ratecard/ledger';
import { ApiHarness, expectProblem, START, useApi, type Client, type Json, type Reply } from '../support/api';
import { run } from '../../apps/cli/src/cli';
import { captureIo } from '../support/cli-io';
import { DATABASE_KINDS } from '../support/databases';
import { compileBundled, compileFiles, copyRules, readRuleFiles, removeDir, withCasesUpdated } from '../support/rules';

// Rule versions over HTTP on each database: publish (and refuse broken rules), list, show with files,
// activate, roll back, diff, impact preview, the activation history and the audit trail; then the hot
// swap while charges and decisions are in flight, and a second process that follows within seconds.

/** The bundled rules with `from` (which must occur once in `file`) replaced by `to`. */
function edited(file: string, from: string, to: string): SourceFile[] {
  const dir = copyRules();
  try {
    return readRuleFiles(dir, dir).map((f) => {
      if (f.path !== file) return f;
      if (f.text.split(from).length !== 2) throw new Error(`\`${from}\` is not in ${file} exactly once`);
      return { path: f.path, text: f.text.replace(from, to) };
    });
  } finally {
    removeDir(dir);
  }
}

const CHAT_EDIT = 'rate: 0.5 cr/edit,';
/** Chat edits 0.5 → 0.75 cr, with its cases as they were (five of them fail). */
const V2_OLD_CASES = edited('editing.yaml', CHAT_EDIT, 'rate: 0.75 cr/edit,');
/** The same, with the cases corrected (set in the first `beforeAll`). */
let V2: SourceFile[];
/** Two errors in two files. */
const BROKEN = edited('editing.yaml', '    requires: pro+\n', '    requires: gold+\n').map((f) => (f.path === 'images.yaml' ? { ...f, text: f.text.replace('{ rate: 18 cr,', '{ rate: lots,') } : f));

/** What a chat edit costs under each version, in millicredits. */
const PRICE_MC: Record<'v1' | 'v2', number> = { v1: 500, v2: 750 };

/** The URL of a database as `DATABASE_URL` gives it, from an open connection. */
function urlOf(db: Database): string {
  return db.kind === 'sqlite' ? `sqlite:${db.orm.config.get('dbName')}` : String(db.orm.config.get('clientUrl'));
}

/** Calls `probe` until `done` holds of its result, or fails after `ms`: for a background poller. */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Every publish compiles the rules and runs their 171 cases, every diff compiles both sides: seconds
// each on a busy machine, more than jest's default 5 s for a test.
jest.setTimeout(30_000);

describe.each(DATABASE_KINDS)('rule versions over HTTP on %s', (kind) => {
  // The service checks the active version every 100 ms, so it follows activations made with the CLI.
  const api = useApi(kind, { RULES_POLL_MS: '100' });
  // On PostgreSQL, a second API process on the same database, polling every 100 ms too (one SQLite
  // file serves one API process: docs/deployment.md). Its own second connection (peer.db) is an
  // unused fresh database: use `api` for checks on the shared one.
  const multiProcess = kind === 'postgresql';
  const peerEnv: Record<string, string> = { RULES_POLL_MS: '100' };
  const peer = new ApiHarness(kind, peerEnv);
  beforeAll(async () => {
    peerEnv.DATABASE_URL = urlOf(api.db);
    if (multiProcess) await peer.start();
  }, 60_000);
  afterAll(() => peer.stop());

  /** `ratecard <argv>` as a PM runs it beside the service: another process, the same database. */
  const cli = async (h: ApiHarness, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const io = { ...captureIo({ now: h.clock.now() }), env: { DATABASE_URL: urlOf(h.db), USER: 'pm-alice' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };

  let v1: string;
  let v2: string;
  let pm: Client;
  let pmKeyId: string;
  beforeAll(async () => {
    V2 = await withCasesUpdated(V2_OLD_CASES);
    v1 = (await compileBundled()).version;
    v2 = (await compileFiles(V2)).version;
    const key = await api.createKey('admin', 'pm-alice');
    pm = key.client;
    pmKeyId = key.id;
  });

  const decide = (client: Client, accountId: string): Promise<Reply> => client.post('/v1/decisions', { accountId, action: 'chat.edit' });
  /** Publishes v2 unless it is (it is when the suite runs in order): lets a block run alone. */
  const publishV2 = async (): Promise<void> => {
    expect((await pm.post('/v1/rulesets', { files: V2, message: 'chat edits cost 0.75 cr' })).body.version).toBe(v2);
  };
  const activeOf = async (h: ApiHarness): Promise<string> => (await h.anonymous.get('/health')).body.rulesetVersion;

  describe('publish, list, show', () => {
    it('starts with the bundled rules, published and activated by the service at first start', async () => {
      const res = await api.auditor.get('/v1/rulesets');
      expect(res.status).toBe(200);
      expect(res.body).toEqual([{ version: v1, author: 'system', message: 'bundled rules from rules/ at first start', parentVersion: null, createdAt: START.toISOString(), active: true, files: readRuleFiles().map((f) => f.path.replace(/^rules\//, '')) }]);
      expect(await activeOf(api)).toBe(v1);
    });

    it('refuses a broken rule set with 422 INVALID_RULES and every diagnostic, and publishes nothing', async () => {
      const before = await api.fingerprint();
      const res = await pm.post('/v1/rulesets', { files: BROKEN, message: 'broken', activate: true });
      expectProblem(res, 422, 'INVALID_RULES');
      expect(res.body.detail).toBe('the rule set has 5 error(s) and was not published');
      expect(res.body.diagnostics.map((d: Json) => `${d.location.file}:${d.location.line}:${d.location.column}: ${d.code}`)).toEqual([
        'editing.yaml:28:15: unknown-plan',
        'images.yaml:17:7: schema-type',
        'images.yaml:17:7: missing-variant',
        'images.yaml:19:27: schema-type',
        'images.yaml:19:35: schema-format',
      ]);
      expect(await api.fingerprint()).toEqual(before);
      expect(await activeOf(api)).toBe(v1);
    });

    it('publishes a version without activating it; the same content again is the same version', async () => {
      api.clock.set('2026-03-20T13:00:00Z');
      const res = await pm.post('/v1/rulesets', { files: V2, message: 'chat edits cost 0.75 cr' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ version: v2, created: true, casesRevision: 1, activated: false, activation: null, cases: { cases: 171, failed: 0, failures: [] }, warnings: [] });
      const again = await pm.post('/v1/rulesets', { files: V2, message: 'the same again' });
      expect(again.body).toEqual({ version: v2, created: false, casesRevision: null, activated: false, activation: null, cases: { cases: 171, failed: 0, failures: [] }, warnings: [] });
      expect(await activeOf(api)).toBe(v1);
    });

    it('only an admin may publish', async () => {
      expectProblem(await api.auditor.post('/v1/rulesets', { files: V2, message: 'x' }), 403, 'FORBIDDEN');
      expectProblem(await api.service.post('/v1/rulesets', { files: V2, message: 'x' }), 403, 'FORBIDDEN');
    });

    it('lists versions newest first with author, message and parent', async () => {
      const res = await api.auditor.get('/v1/rulesets');
      expect(res.body.map((v: Json) => [v.version, v.author, v.message, v.parentVersion, v.createdAt, v.active])).toEqual([
        [v2, 'pm-alice', 'chat edits cost 0.75 cr', v1, '2026-03-20T13:00:00.000Z', false],
        [v1, 'system', 'bundled rules from rules/ at first start', null, START.toISOString(), true],
      ]);
    });

    it('shows a version by id or prefix with its files as written', async () => {
      const res = await api.auditor.get(`/v1/rulesets/${v2.slice(0, 10)}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: v2, author: 'pm-alice', active: false });
      expect(res.body.sources).toEqual(V2);
      expect(res.body.sources.find((f: Json) => f.path === 'editing.yaml').text).toContain('rate: 0.75 cr/edit,');
      expectProblem(await api.auditor.get('/v1/rulesets/abcdef0'), 404, 'VERSION_NOT_FOUND');
      expectProblem(await api.auditor.get('/v1/rulesets/not-a-version'), 404, 'VERSION_NOT_FOUND');
    });
  });

  describe('diff', () => {
    beforeAll(publishV2);

    it('as JSON: the rule change with file:line on both sides, and every cell that changed', async () => {
      const res = await api.auditor.get(`/v1/rulesets/diff?from=${v1.slice(0, 8)}&to=${v2}`);
      expect(res.status).toBe(200);
      const where = { file: 'editing.yaml', line: 10, column: 20, path: 'actions["chat.edit"].price.rate' };
      const cell = (plan: string) => ({ action: 'chat.edit', plan, params: {}, before: { allowed: true, cost: 0.5, reasons: [] }, after: { allowed: true, cost: 0.75, reasons: [] } });
      expect(res.body).toEqual({
        from: v1,
        to: v2,
        identical: false,
        rules: [{ kind: 'price-increase', subject: 'chat.edit', summary: '`chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)', direction: 'tightened', before: where, after: where, from: 0.5, to: 0.75, percent: 50 }],
        cells: [cell('basic'), cell('pro'), cell('premium')],
        cellsCompared: 501,
        groups: [{ kind: 'price-increase', actions: ['chat.edit'], scope: {}, where: 'every plan', change: '0.5 cr → 0.75 cr (+50%)', percent: 50, percentRange: [50, 50], cells: 3, allowedBefore: 3, allowedAfter: 3, plans: ['basic', 'pro', 'premium'] }],
        summary: { payMore: ['every plan: chat.edit (+50%)'], payLess: [], loseAccess: [], gainAccess: [], other: [] },
      });
    });

    it('as Markdown and as text', async () => {
      const md = await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=${v2}&format=md`);
      expect(md.status).toBe(200);
      expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(md.body.split('\n').slice(0, 14)).toEqual([
        `## Rule-set diff \`${v1.slice(0, 12)}\` → \`${v2.slice(0, 12)}\``,
        '',
        '### In short',
        '',
        '- **Pay more:** every plan: chat.edit (+50%)',
        '- **Pay less:** nobody',
        '- **Lose access:** nobody',
        '- **Gain access:** nobody',
        '',
        '### Rule changes (1)',
        '',
        '| Change | Subject | What | Before | After |',
        '|---|---|---|---|---|',
        '| price-increase | `chat.edit` | `chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%) | editing.yaml:10:20 | editing.yaml:10:20 |',
      ]);
      const text = await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=${v2}&format=text&cells=true`);
      expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(text.body.split('\n')).toEqual([
        `rule-set diff ${v1.slice(0, 12)} → ${v2.slice(0, 12)}`,
        '',
        'in short',
        '  pay more     every plan: chat.edit (+50%)',
        '  pay less     nobody',
        '  lose access  nobody',
        '  gain access  nobody',
        '',
        '1 rule change',
        '  price-increase  `chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)',
        '                  editing.yaml:10:20 → editing.yaml:10:20',
        '',
        '3 of 501 plan × action × parameter cells changed, in 1 group',
        '  chat.edit, every plan: 0.5 cr → 0.75 cr (+50%), 3 cells',
        '',
        'every changed cell',
        '  chat.edit  basic    (defaults)  0.5 cr → 0.75 cr',
        '  chat.edit  pro      (defaults)  0.5 cr → 0.75 cr',
        '  chat.edit  premium  (defaults)  0.5 cr → 0.75 cr',
      ]);
    });

    it('of a version with itself is empty', async () => {
      const res = await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=${v1}`);
      expect(res.body).toEqual({ from: v1, to: v1, identical: true, rules: [], cells: [], cellsCompared: 0, groups: [], summary: { payMore: [], payLess: [], loseAccess: [], gainAccess: [], other: [] } });
    });

    it('refuses what is not a version', async () => {
      expectProblem(await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=HEAD`), 400, 'INVALID_REQUEST');
      expectProblem(await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=abcdef0`), 404, 'VERSION_NOT_FOUND');
    });
  });

  describe('impact preview', () => {
    // A history logged on Basic and Pro accounts from 6 to 2 days before START, previewed at START - 1 day
    // over 7 days: nothing the other tests log (at START) falls in the window.
    const AT = (days: number) => new Date(START.getTime() + days * 86_400_000);
    let acme: string;
    let studio: string;
    beforeAll(async () => {
      await publishV2();
      api.clock.set(AT(-10));
      acme = (await api.createAccount({ plan: 'basic' })).id;
      studio = (await api.createAccount({ plan: 'pro' })).id;
      api.clock.set(AT(-6));
      for (let i = 0; i < 4; i++) expect((await api.charge({ accountId: acme, action: 'chat.edit' })).status).toBe(201);
      expect((await api.charge({ accountId: acme, action: 'image.generate' })).status).toBe(201); // 18 cr
      expect((await decide(api.service, acme)).status).toBe(200); // a quote moves no credits
      api.clock.set(AT(-2));
      expect((await api.charge({ accountId: studio, action: 'chat.edit' })).status).toBe(201);
      expect((await api.charge({ accountId: studio, action: 'business-os.chat' })).status).toBe(201); // 15 cr
      expect((await api.charge({ accountId: acme, action: 'business-os.chat' })).status).toBe(403); // denied on Basic, logged
    });
    beforeEach(() => api.clock.set(AT(-1)));

    const EXPECTED = {
      window: { since: AT(-8).toISOString(), until: AT(-1).toISOString() },
      requests: 9,
      changedOutcome: 0,
      repriced: 6,
      chargedBefore: 35.5,
      chargedAfter: 36.75,
      byAction: [
        { key: 'business-os.chat', requests: 2, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 0, chargedBefore: 15, chargedAfter: 15 },
        { key: 'chat.edit', requests: 6, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 6, chargedBefore: 2.5, chargedAfter: 3.75 },
        { key: 'image.generate', requests: 1, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 0, chargedBefore: 18, chargedAfter: 18 },
      ],
      byPlan: [
        { key: 'basic', requests: 7, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 5, chargedBefore: 20, chargedAfter: 21 },
        { key: 'pro', requests: 2, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 1, chargedBefore: 15.5, chargedAfter: 15.75 },
      ],
      newlyDeniedAccounts: [],
      newlyDenied: 0,
      newlyAllowed: 0,
      newlyAllowedAccounts: [],
      summary: { accountsAffected: 2, accounts: 2, payMore: ['basic: chat.edit (+1 cr over 4 charges)', 'pro: chat.edit (+0.25 cr over 1 charge)'], payLess: [], loseAccess: [], gainAccess: [] },
    };

    it('replays the window under candidate files: per action and plan, credits before and after', async () => {
      const before = await api.fingerprint();
      const res = await api.auditor.post('/v1/rulesets/impact', { files: V2, since: '7d' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ candidateVersion: v2, ...EXPECTED });
      expect(await api.fingerprint()).toEqual(before);
    });

    it('or under a published version', async () => {
      const res = await api.admin.post('/v1/rulesets/impact', { version: v2.slice(0, 8), since: '7d' });
      expect(res.body).toEqual({ candidateVersion: v2, ...EXPECTED });
    });

    it('names the accounts a candidate would newly deny', async () => {
      const files = edited('editing.yaml', '    requires: pro+\n', '    requires: premium+\n');
      const res = await api.auditor.post('/v1/rulesets/impact', { files, since: '7d' });
      expect(res.body).toMatchObject({ requests: 9, changedOutcome: 1, chargedBefore: 35.5, chargedAfter: 20.5, newlyDeniedAccounts: [{ accountId: studio, requests: 1 }] });
    });

    it('refuses a candidate given both ways or neither, and one that does not compile', async () => {
      expectProblem(await api.auditor.post('/v1/rulesets/impact', { files: V2, version: v2 }), 400, 'INVALID_REQUEST');
      expectProblem(await api.auditor.post('/v1/rulesets/impact', {}), 400, 'INVALID_REQUEST');
      const broken = await api.auditor.post('/v1/rulesets/impact', { files: BROKEN });
      expectProblem(broken, 422, 'INVALID_RULES');
      expect(broken.body.diagnostics).toHaveLength(5);
      expectProblem(await api.auditor.post('/v1/rulesets/impact', { files: V2, since: 'a month' }), 400, 'INVALID_REQUEST');
    });
  });

  describe('activate, roll back, and who did it', () => {
    it('activates a published version by prefix: the next request is priced by it', async () => {
      api.clock.set('2026-03-20T14:00:00Z');
      const { id } = await api.createAccount({ plan: 'basic' });
      const res = await pm.post(`/v1/rulesets/${v2.slice(0, 8)}/activate`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: v2, activatedBy: pmKeyId, reason: 'activate', at: '2026-03-20T14:00:00.000Z', changed: true, previous: v1, migrated: [], forced: null });
      expect(res.body.report).toMatchObject({ from: v1, to: v2, plans: [], actions: [], problems: [], safe: true });
      expect(await activeOf(api)).toBe(v2);
      const charge = await api.charge({ accountId: id, action: 'chat.edit' });
      expect([charge.status, charge.body.costMillicredits, charge.body.rulesetVersion]).toEqual([201, 750, v2]);
    });

    it('rolls back to the version active before', async () => {
      api.clock.set('2026-03-20T15:00:00Z');
      const res = await pm.post('/v1/rulesets/rollback');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: v1, activatedBy: pmKeyId, reason: 'rollback', at: '2026-03-20T15:00:00.000Z', changed: true, previous: v2 });
      expect(await activeOf(api)).toBe(v1);
      expect((await api.auditor.get('/v1/rulesets')).body.map((v: Json) => [v.version, v.active])).toEqual([
        [v2, false],
        [v1, true],
      ]);
    });

    it('only an admin may activate or roll back; an unknown version is a 404', async () => {
      const before = await api.fingerprint({ withLog: false });
      expectProblem(await api.auditor.post(`/v1/rulesets/${v2}/activate`), 403, 'FORBIDDEN');
      expectProblem(await api.service.post('/v1/rulesets/rollback'), 403, 'FORBIDDEN');
      expectProblem(await pm.post('/v1/rulesets/abcdef0/activate'), 404, 'VERSION_NOT_FOUND');
      expect(await api.fingerprint({ withLog: false })).toEqual(before);
      expect(await activeOf(api)).toBe(v1);
    });

    it('lists activations newest first: which version, when, by whom, why', async () => {
      const res = await api.auditor.get('/v1/rulesets/activations');
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { id: 3, version: v1, activatedBy: pmKeyId, reason: 'rollback', at: '2026-03-20T15:00:00.000Z', effectiveAt: '2026-03-20T15:00:00.000Z', pending: false, cancelledBy: null, cancels: null },
        { id: 2, version: v2, activatedBy: pmKeyId, reason: 'activate', at: '2026-03-20T14:00:00.000Z', effectiveAt: '2026-03-20T14:00:00.000Z', pending: false, cancelledBy: null, cancels: null },
        { id: 1, version: v1, activatedBy: 'system', reason: 'publish', at: START.toISOString(), effectiveAt: START.toISOString(), pending: false, cancelledBy: null, cancels: null },
      ]);
    });

    it('the audit trail shows who published and who activated', async () => {
      const res = await api.auditor.get('/v1/audit?limit=500');
      const rulesets = res.body.items.filter((e: Json) => e.event.startsWith('ruleset.')).reverse();
      expect(rulesets.map((e: Json) => [e.createdAt, e.actor, e.event, e.target, e.details])).toEqual([
        [START.toISOString(), 'system', 'ruleset.publish', v1, { message: 'bundled rules from rules/ at first start', author: 'system', files: readRuleFiles().map((f) => f.path.replace(/^rules\//, '')), cases: { count: 171, failed: 0 } }],
        [START.toISOString(), 'system', 'ruleset.activate', v1, { reason: 'publish', previous: null }],
        ['2026-03-20T13:00:00.000Z', pmKeyId, 'ruleset.publish', v2, { message: 'chat edits cost 0.75 cr', author: 'pm-alice', files: V2.map((f) => f.path), cases: { count: 171, failed: 0 } }],
        ['2026-03-20T14:00:00.000Z', pmKeyId, 'ruleset.activate', v2, { reason: 'activate', previous: v1 }],
        ['2026-03-20T15:00:00.000Z', pmKeyId, 'ruleset.activate', v1, { reason: 'rollback', previous: v2 }],
      ]);
      // The actor is the key id; the key's name says who holds it.
      const keys = await api.admin.get('/v1/keys');
      expect(keys.body.items ?? keys.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: pmKeyId, name: 'pm-alice', role: 'admin' })]));
    });
  });

  describe('the hot swap while requests are served', () => {
    const ACCOUNTS = 6;
    const WORKERS = 16;
    const PER_SWITCH = 40;

    /** Switches the active version of `h`, resolving once it prices with `version`. */
    type Switch = (h: ApiHarness, how: 'activate' | 'rollback', version: string) => Promise<void>;
    const overHttp: Switch = async (h, how, version) => {
      // The process that is told switches before it answers.
      const res = how === 'rollback' ? await h.admin.post('/v1/rulesets/rollback') : await h.admin.post(`/v1/rulesets/${version.slice(0, 12)}/activate`);
      expect([res.status, res.body.version]).toEqual([200, version]);
    };
    const withTheCli: Switch = async (h, how, version) => {
      const r = await cli(h, ...(how === 'rollback' ? ['rollback'] : ['activate', version.slice(0, 12)]));
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      // The service follows on its next check.
      await eventually(() => activeOf(h), (v) => v === version, 5_000);
    };

    /**
     * Keeps charges and decisions in flight on `h` while switching v1 → v2 → v1 (rollback) → v2, then
     * checks every answer, ledger entry and decision-log row.
     */
    async function storm(h: ApiHarness, switchTo: Switch): Promise<void> {
      expect((await h.admin.post('/v1/rulesets', { files: V2, message: 'chat edits cost 0.75 cr' })).body.version).toBe(v2);
      expect((await h.admin.post(`/v1/rulesets/${v1}/activate`)).body.version).toBe(v1);
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) accounts.push((await h.createAccount({ plan: 'pro' })).id);
      const versionOf = (epoch: number): string => (epoch % 2 === 0 ? v1 : v2);

      // Epoch n is the n-th version in force (v1, v2, v1, v2); `switching` from an activation until the
      // service is known to price with the new version.
      let epoch = 0;
      let switching = false;
      let stop = false;
      type Answer = { kind: 'decision' | 'charge'; sent: { epoch: number; switching: boolean }; received: { epoch: number; switching: boolean }; res: Reply };
      const answers: Answer[] = [];
      const worker = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const accountId = accounts[(w + i) % ACCOUNTS];
          const kind = (w + i) % 2 === 0 ? 'charge' : 'decision';
          const sent = { epoch, switching };
          const res = kind === 'charge' ? await h.charge({ accountId, action: 'chat.edit' }) : await decide(h.service, accountId);
          answers.push({ kind, sent, received: { epoch, switching }, res });
        }
      };
      const answeredIn = (e: number): number => answers.filter((a) => a.sent.epoch === e && !a.sent.switching).length;
      const waitFor = async (e: number): Promise<void> => {
        const deadline = Date.now() + 30_000;
        while (answeredIn(e) < PER_SWITCH) {
          if (Date.now() > deadline) throw new Error(`only ${answeredIn(e)} answers in epoch ${e}`);
          await new Promise((r) => setImmediate(r));
        }
      };
      const next = async (how: 'activate' | 'rollback', version: string): Promise<void> => {
        switching = true;
        await switchTo(h, how, version);
        epoch++;
        switching = false;
      };

      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      try {
        await waitFor(0);
        await next('activate', v2);
        await waitFor(1);
        await next('rollback', v1);
        await waitFor(2);
        await next('activate', v2);
        await waitFor(3);
      } finally {
        stop = true;
        await Promise.all(workers);
      }

      // No request failed.
      expect(answers.filter((a) => a.res.status !== (a.kind === 'charge' ? 201 : 200)).map((a) => [a.kind, a.res.status, a.res.body])).toEqual([]);
      // Each answer names v1 or v2 and costs exactly that version's price, in every field that shows it.
      const priced = (a: Answer): [string, number, number, number, string] => {
        const d = a.kind === 'charge' ? a.res.body.decision : a.res.body;
        return [a.res.body.rulesetVersion, a.res.body.costMillicredits, Math.round(d.breakdown[0].credits * 1000), d.costMillicredits, d.rulesetVersion];
      };
      const mixed = answers.map(priced).filter(([version, cost, line, decided, decidedBy]) => {
        const price = version === v1 ? PRICE_MC.v1 : version === v2 ? PRICE_MC.v2 : NaN;
        return !(cost === price && line === price && decided === price && decidedBy === version);
      });
      expect(mixed).toEqual([]);
      // A request sent once the service prices with a version, and answered before the next switch began, is priced by it.
      const stale = answers.filter((a) => !a.sent.switching && !a.received.switching && a.sent.epoch === a.received.epoch && a.res.body.rulesetVersion !== versionOf(a.sent.epoch));
      expect(stale.map((a) => [a.sent.epoch, a.res.body.rulesetVersion])).toEqual([]);
      const byVersion = (v: string) => answers.filter((a) => a.res.body.rulesetVersion === v).length;
      expect(byVersion(v1)).toBeGreaterThanOrEqual(2 * PER_SWITCH);
      expect(byVersion(v2)).toBeGreaterThanOrEqual(2 * PER_SWITCH);

      // Every charge's ledger entry and decision-log row record the version that priced it.
      const charges = answers.filter((a) => a.kind === 'charge').map((a) => a.res.body);
      const entries = new Map<string, Json>();
      for (const id of accounts) for (const e of await h.ledger(id, 500)) if (e.kind === 'debit') entries.set(e.chargeId, e);
      expect(entries.size).toBe(charges.length);
      for (const c of charges) {
        const e = entries.get(c.id);
        expect([c.id, e?.rulesetVersion, e?.amountMillicredits]).toEqual([c.id, c.rulesetVersion, -c.costMillicredits]);
      }
      const placeholders = accounts.map(() => '?').join(', ');
      // Quotes are logged a few milliseconds after they are answered: wait for every row.
      const logged = await eventually(
        () => h.sql<{ kind: string; ruleset_version: string; cost_mc: string | number; charge_id: string | null }>(`select kind, ruleset_version, cost_mc, charge_id from decision_log where account_id in (${placeholders})`, accounts),
        (rows) => rows.length >= answers.length,
      );
      expect(logged).toHaveLength(answers.length);
      const wrong = logged.filter((r) => Number(r.cost_mc) !== (r.ruleset_version === v1 ? PRICE_MC.v1 : r.ruleset_version === v2 ? PRICE_MC.v2 : NaN));
      expect(wrong).toEqual([]);
      const chargeVersion = new Map(charges.map((c) => [c.id, c.rulesetVersion]));
      expect(logged.filter((r) => r.kind === 'charge' && chargeVersion.get(r.charge_id!) !== r.ruleset_version)).toEqual([]);
      // And the balances add up.
      for (const id of accounts) {
        const spent = charges.filter((c) => c.accountId === id).reduce((s, c) => s + c.costMillicredits, 0);
        expect((await h.account(id)).balanceMillicredits).toBe(5_000_000 - spent);
      }
    }

    it.each([
      ['activated over HTTP', overHttp],
      ['activated with the CLI, from another process', withTheCli],
    ])('%s: never fails a request nor mixes versions; each answer costs exactly the price of the version it names', (_how, switchTo) => storm(api, switchTo), 60_000);

    describe('with group commit off (CHARGE_BATCH=0): every charge its own transaction', () => {
      const unbatched = useApi(kind, { RULES_POLL_MS: '100', CHARGE_BATCH: '0' });
      it('activated with the CLI, from another process: no request fails, none mixes versions', () => storm(unbatched, withTheCli), 60_000);
    });
  });

  describe('a charge traced to the version that priced it', () => {
    it('GET /v1/charges/:id, its ledger entry, its decision-log row and the version with its files agree', async () => {
      const { id } = await api.createAccount({ plan: 'premium' });
      const active = await activeOf(api);
      const price = active === v2 ? PRICE_MC.v2 : PRICE_MC.v1;
      const charge = await api.charge({ accountId: id, action: 'chat.edit' });
      const shown = await api.auditor.get(`/v1/charges/${charge.body.id}`);
      expect(shown.body).toMatchObject({ id: charge.body.id, accountId: id, action: 'chat.edit', costMillicredits: price, rulesetVersion: active, refunded: 0 });
      const entry = (await api.ledger(id)).find((e) => e.chargeId === charge.body.id);
      expect(entry).toMatchObject({ kind: 'debit', amountMillicredits: -price, rulesetVersion: active });
      const log = await api.auditor.get(`/v1/decisions?accountId=${id}`);
      expect(log.body.items.map((d: Json) => [d.kind, d.chargeId, d.costMillicredits, d.rulesetVersion])).toEqual([['charge', charge.body.id, price, active]]);
      // The version's files, as published, show the rate that priced it.
      const version = await api.auditor.get(`/v1/rulesets/${shown.body.rulesetVersion}`);
      expect(version.body.sources.find((f: Json) => f.path === 'editing.yaml').text).toContain(`rate: ${price / 1000} cr/edit,`);
    });
  });

  (multiProcess ? describe : describe.skip)('a second process on the same database', () => {
    it('follows an activation and a rollback within seconds, without a restart', async () => {
      const { id } = await api.createAccount({ plan: 'basic' });
      const at = async (h: ApiHarness): Promise<string> => (await decide(h.service, id)).body.rulesetVersion;
      await publishV2();
      expect((await pm.post(`/v1/rulesets/${v2}/activate`)).body.version).toBe(v2);
      expect(await at(api)).toBe(v2);
      expect(await eventually(() => at(peer), (v) => v === v2)).toBe(v2);

      expect((await pm.post('/v1/rulesets/rollback')).body.version).toBe(v1);
      expect(await at(api)).toBe(v1);
      const started = Date.now();
      expect(await eventually(() => at(peer), (v) => v === v1, 5_000)).toBe(v1);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await activeOf(peer)).toBe(v1);

      // An activation through the peer switches the peer at once.
      expect((await peer.admin.post(`/v1/rulesets/${v2}/activate`)).body.version).toBe(v2);
      expect(await at(peer)).toBe(v2);
    });

    it('switches at once when activated through it, with its poller running', async () => {
      await publishV2();
      const { id } = await api.createAccount({ plan: 'basic' });
      // Activate back and forth for a while, the poller checking every 100 ms meanwhile.
      const stale: string[] = [];
      let rounds = 0;
      for (const until = Date.now() + 1_500; Date.now() < until; rounds++) {
        const target = rounds % 2 === 0 ? v1 : v2;
        expect((await peer.admin.post(`/v1/rulesets/${target}/activate`)).status).toBe(200);
        const version = (await decide(peer.service, id)).body.rulesetVersion;
        if (version !== target) stale.push(`round ${rounds}: activated ${target.slice(0, 12)}, priced by ${version.slice(0, 12)}`);
      }
      expect(rounds).toBeGreaterThan(20);
      expect(stale).toEqual([]);
    });
  });
});
