import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Audit, openDatabase, parseDatabaseUrl, type DatabaseTarget } from '@ratecard/ledger';
import { run } from '../../apps/cli/src/cli';
import { expectProblem, useApi, type Json } from '../support/api';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled, compileFiles, copyRules, NOW, readRuleFiles, REPO_ROOT, removeDir, withCasesUpdated } from '../support/rules';

// A version keeps the cases it was tested with: publishing runs them and refuses on a failure
// (CLI and API, each database), --force --reason stores them anyway and says so, `ratecard test
// --update` rewrites failing expectations in place, and publishing the same rules with corrected
// cases adds a case revision (append-only) instead of being "already published".

const CHAT_EDIT = 'rate: 0.5 cr/edit,';
const HOUR = 3_600_000;
const at = (ms: number): Date => new Date(NOW.getTime() + ms);

/** The five cases a chat edit at 0.75 cr breaks, as `ratecard test` prints them. */
const FAILURES = [
  'FAIL editing.test.yaml:7:5 a chat edit costs half a credit, exactly',
  '  cost: want 0.5, got 0.75',
  '  breakdown:',
  '    want:',
  '      Chat edit (surgical patch) 0.5 cr/edit',
  '    got:',
  '      Chat edit (surgical patch) 0.75 cr/edit',
  'FAIL editing.test.yaml:8:5 a chat edit on Pro',
  '  cost: want 0.5, got 0.75',
  'FAIL editing.test.yaml:9:5 a chat edit on Premium',
  '  cost: want 0.5, got 0.75',
  'FAIL editing.test.yaml:10:5 0.499 cr cannot pay for a chat edit',
  '  cost: want 0.5, got 0.75',
  '  reason INSUFFICIENT_CREDITS: costs 0.75 credits and the balance is 0.499',
  'FAIL editing.test.yaml:11:5 0.5 cr pays for exactly one chat edit',
  '  allowed: want true, got false',
  '  cost: want 0.5, got 0.75',
  '  reason INSUFFICIENT_CREDITS: costs 0.75 credits and the balance is 0.5',
];

// Every publish compiles the rules and runs their 171 cases, every diff compiles both sides: seconds
// each on a busy machine, more than jest's default 5 s for a test.
jest.setTimeout(30_000);

describe.each(DATABASE_KINDS)('a version and its cases through the CLI on %s', (kind) => {
  let url: string;
  let dir: string;
  let v2: string;
  const short = (v: string): string => v.slice(0, 12);
  const ratecard = async (argv: string[], now: Date = NOW): Promise<CliResult> => {
    const io = { ...captureIo({ now }), env: { DATABASE_URL: url, USER: 'pm-alice' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };

  beforeAll(async () => {
    url = (await freshDatabase(kind)).url;
    expect((await ratecard(['publish', '-m', 'price list', '--activate'])).code).toBe(0);
    dir = copyRules();
    const file = join(dir, 'editing.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(CHAT_EDIT, 'rate: 0.75 cr/edit,'));
    v2 = (await compileFiles(readRuleFiles(dir, dir))).version;
  }, 60_000);
  afterAll(() => removeDir(dir));

  it('refuses rules whose cases fail, printing each failure, and stores nothing', async () => {
    const r = await ratecard(['publish', '--rules', dir, '-m', 'chat edits 0.75 cr'], at(HOUR));
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: [...FAILURES, 'not published: 5 of 171 cases fail; correct the rules or the cases (ratecard test --update), or publish with --force --reason "why"'].join('\n'),
    });
    expect((await ratecard(['versions'])).stdout.split('\n')).toHaveLength(1);
    expect(await ratecard(['publish', '--rules', dir, '-m', 'x', '--force'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard publish: --force needs --reason "why"/) });
  });

  it('--force --reason stores them anyway, and the version and the audit trail say so', async () => {
    const r = await ratecard(['publish', '--rules', dir, '-m', 'chat edits 0.75 cr', '--force', '--reason', 'cases follow in the next commit'], at(2 * HOUR));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(FAILURES.join('\n'));
    expect(r.stdout.split('\n')).toEqual([`published ${short(v2)} (${v2}): 171 cases, 5 failing (forced: "cases follow in the next commit")`, `activate it with: ratecard activate ${short(v2)}`]);
    expect((await ratecard(['show', short(v2)])).stdout.split('\n').slice(-2)).toEqual([
      'cases    revision 1 (editing.test.yaml, free.test.yaml, images.test.yaml, requests.test.yaml, sites.test.yaml, video.test.yaml)',
      '   1  2026-03-15 14:00  pm-alice      171 cases, 5 failing (forced: "cases follow in the next commit")  chat edits 0.75 cr',
    ]);
    const db = await openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);
    try {
      const [event] = (await new Audit(db).events({ limit: 1 })).items;
      expect([event.event, event.target, event.details.cases]).toEqual(['ruleset.publish', v2, { count: 171, failed: 5, forced: 'cases follow in the next commit' }]);
    } finally {
      await db.close();
    }
  });

  it('ratecard test --update rewrites the failing expectations in place, printing each change first', async () => {
    const file = join(dir, 'editing.test.yaml');
    const before = readFileSync(file, 'utf8');
    const r = await ratecard(['test', '--rules', dir, '--update']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/editing\.test\.yaml:7:5 a chat edit costs half a credit, exactly$/),
        '  cost: 0.5 → 0.75',
        "  breakdown: ['Chat edit (surgical patch) 0.5 cr/edit'] → ['Chat edit (surgical patch) 0.75 cr/edit']",
        '  allowed: true → false',
        `updated 5 cases in 1 file (rules ${short(v2)}); review the changes before you commit them`,
      ]),
    );
    const after = readFileSync(file, 'utf8');
    // Only the five expectations changed: comments, order, quoting and layout are as written.
    const changed = before.split('\n').map((line, i) => [line, after.split('\n')[i]]).filter(([a, b]) => a !== b);
    expect(changed.map(([, b]) => b)).toEqual([
      "  - { note: 'a chat edit costs half a credit, exactly', plan: basic, action: chat.edit, want: { allowed: true, cost: 0.75, exempt: false, reasons: [], breakdown: ['Chat edit (surgical patch) 0.75 cr/edit'] } }",
      "  - { note: 'a chat edit on Pro', plan: pro, action: chat.edit, want: { allowed: true, cost: 0.75 } }",
      "  - { note: 'a chat edit on Premium', plan: premium, action: chat.edit, want: { allowed: true, cost: 0.75 } }",
      "  - { note: '0.499 cr cannot pay for a chat edit', plan: basic, balance: 0.499, action: chat.edit, want: { allowed: false, cost: 0.75, reasons: [INSUFFICIENT_CREDITS] } }",
      "  - { note: '0.5 cr pays for exactly one chat edit', plan: basic, balance: 0.5, action: chat.edit, want: { allowed: false, cost: 0.75 } }",
    ]);
    expect(after.split('\n')).toHaveLength(before.split('\n').length);
    expect((await ratecard(['test', '--rules', dir])).stdout).toBe(`171 passed, 0 failed (171 cases, rules ${short(v2)})`);
  });

  it('publishing the same rules with corrected cases adds a case revision; the first stays as it was', async () => {
    const r = await ratecard(['publish', '--rules', dir, '-m', 'chat edit cases at 0.75 cr'], at(3 * HOUR));
    expect(r).toEqual({ code: 0, stderr: '', stdout: [`already published ${short(v2)} (${v2}): 171 cases pass; cases corrected: revision 2`, `activate it with: ratecard activate ${short(v2)}`].join('\n') });
    const shown = (await ratecard(['show', short(v2)])).stdout.split('\n');
    expect(shown.slice(-3)).toEqual([
      'cases    revision 2 (editing.test.yaml, free.test.yaml, images.test.yaml, requests.test.yaml, sites.test.yaml, video.test.yaml)',
      '   1  2026-03-15 14:00  pm-alice      171 cases, 5 failing (forced: "cases follow in the next commit")  chat edits 0.75 cr',
      '   2  2026-03-15 15:00  pm-alice      171 cases, 0 failing  chat edit cases at 0.75 cr',
    ]);
    expect((await ratecard(['show', short(v2), '--file', 'editing.test.yaml'])).stdout).toBe(readFileSync(join(dir, 'editing.test.yaml'), 'utf8').replace(/\n$/, ''));
    // The rule files and the published sources are the version's own, unchanged.
    const json = JSON.parse((await ratecard(['show', short(v2), '--json'])).stdout);
    expect(json.sources.find((f: Json) => f.path === 'editing.test.yaml').text).toContain("cost: 0.5, exempt: false");
    expect(json.cases.revision).toBe(2);
    // The same cases again store nothing.
    expect((await ratecard(['publish', '--rules', dir, '-m', 'again'], at(4 * HOUR))).stdout.split('\n')[0]).toBe(`already published ${short(v2)} (${v2}): 171 cases pass`);
  });
});

describe.each(DATABASE_KINDS)('a version and its cases over HTTP on %s', (kind) => {
  const api = useApi(kind);
  let OLD_CASES: Json[];
  let CORRECTED: Json[];
  let v2: string;
  beforeAll(async () => {
    OLD_CASES = readRuleFiles().map((f) => ({ path: f.path.replace(/^rules\//, ''), text: f.path === 'rules/editing.yaml' ? f.text.replace(CHAT_EDIT, 'rate: 0.75 cr/edit,') : f.text }));
    CORRECTED = await withCasesUpdated(OLD_CASES);
    v2 = (await compileFiles(OLD_CASES)).version;
    await compileBundled();
  });

  it('422 CASES_FAILED with every failure; nothing is stored', async () => {
    const before = await api.fingerprint();
    const res = await api.admin.post('/v1/rulesets', { files: OLD_CASES, message: 'chat edits 0.75 cr' });
    expectProblem(res, 422, 'CASES_FAILED');
    expect(res.body.detail).toBe('5 of 171 cases fail; not published (correct the rules or the cases, or force it with a reason)');
    expect(res.body.failures.map((f: Json) => `${f.file}:${f.line}:${f.column} ${f.mismatches.map((m: Json) => `${m.field} ${m.want}→${m.got}`).join(', ')}`)).toEqual([
      'editing.test.yaml:7:5 cost 0.5→0.75, breakdown \n      Chat edit (surgical patch) 0.5 cr/edit→\n      Chat edit (surgical patch) 0.75 cr/edit',
      'editing.test.yaml:8:5 cost 0.5→0.75',
      'editing.test.yaml:9:5 cost 0.5→0.75',
      'editing.test.yaml:10:5 cost 0.5→0.75',
      'editing.test.yaml:11:5 allowed true→false, cost 0.5→0.75',
    ]);
    expect(await api.fingerprint()).toEqual(before);
  });

  it('force with a reason stores them; corrected cases become revision 2', async () => {
    const forced = await api.admin.post('/v1/rulesets', { files: OLD_CASES, message: 'chat edits 0.75 cr', force: true, reason: 'cases follow' });
    expect(forced.status).toBe(201);
    expect(forced.body).toMatchObject({ version: v2, created: true, casesRevision: 1, cases: { cases: 171, failed: 5 } });
    const corrected = await api.admin.post('/v1/rulesets', { files: CORRECTED, message: 'chat edit cases at 0.75 cr' });
    expect(corrected.body).toMatchObject({ version: v2, created: false, casesRevision: 2, cases: { cases: 171, failed: 0, failures: [] } });
    const cases = await api.auditor.get(`/v1/rulesets/${v2.slice(0, 10)}/cases`);
    expect(cases.status).toBe(200);
    expect(cases.body.revision).toBe(2);
    expect(cases.body.files).toEqual(CORRECTED.filter((f) => f.path.endsWith('.test.yaml')));
    expect(cases.body.revisions.map((r: Json) => [r.revision, r.cases, r.failed, r.forceReason, r.message])).toEqual([
      [1, 171, 5, 'cases follow', 'chat edits 0.75 cr'],
      [2, 171, 0, null, 'chat edit cases at 0.75 cr'],
    ]);
    const version = await api.auditor.get(`/v1/rulesets/${v2}`);
    expect(version.body.caseRevisions.map((r: Json) => r.revision)).toEqual([1, 2]);
    expect(version.body.sources).toEqual(OLD_CASES);
    const audit = (await api.auditor.get('/v1/audit?limit=1')).body.items[0];
    expect([audit.event, audit.target, audit.details.revision, audit.details.cases]).toEqual(['ruleset.cases', v2, 2, { count: 171, failed: 0 }]);
  });

  it('case revisions are append-only in the database', async () => {
    await expect(api.sql('update ruleset_cases set failed = 0')).rejects.toThrow(/append-only/);
    await expect(api.sql('delete from ruleset_cases')).rejects.toThrow(/append-only/);
  });
});
