import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '@ratecard/dsl';
import { Audit, Ledger, openDatabase, parseDatabaseUrl, StaticRules, verifyLedger, type Caller, type Database, type DatabaseTarget } from '@ratecard/ledger';
import { run } from '../../apps/cli/src/cli';
import { expectProblem, START, useApi, type Json } from '../support/api';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled, compileFiles, copyRules, NOW, readRuleFiles, REPO_ROOT, removeDir } from '../support/rules';

// The activation guard through the CLI on each database: a rollback that would strand accounts on a
// plan the older version lacks, and take away an action in use and an active hold, is refused with
// the report (exit 3) and changes nothing; a plan mapping moves the accounts in the activation's
// transaction, each move a `plan` entry in the account's ledger; --force --reason overrides what a
// mapping cannot fix, and the audit trail says so.

/** The bundled rules with a `starter` plan below Basic and an `audio.narrate` action. */
function writeV2(dir: string): void {
  const plans = join(dir, 'plans.yaml');
  const text = readRuleFiles(dir, dir).find((f) => f.path === 'plans.yaml')!.text;
  writeFileSync(plans, text.replace('plans:\n', 'plans:\n  - id: starter\n    name: Starter\n    allowance: 300 cr\n\n'));
  writeFileSync(join(dir, 'audio.yaml'), 'actions:\n  audio.narrate:\n    name: Narration\n    group: Audio\n    price: 3 cr\n');
}

const HOUR = 3_600_000;
const at = (ms: number): Date => new Date(NOW.getTime() + ms);

// Every publish compiles the rules and runs their 171 cases, every diff compiles both sides: seconds
// each on a busy machine, more than jest's default 5 s for a test.
jest.setTimeout(30_000);

describe.each(DATABASE_KINDS)('the activation guard through the CLI on %s', (kind) => {
  let url: string;
  let db: Database;
  let v1: string, v2: string;
  let dir1: string, dir2: string;
  const caller: Caller = { actor: 'service:test' };
  const short = (v: string): string => v.slice(0, 12);

  const ratecard = async (argv: string[], now: Date = NOW): Promise<CliResult> => {
    const io = { ...captureIo({ now }), env: { DATABASE_URL: url, USER: 'pm-alice' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };
  /** Accounts' plans and balances, the ledger and activation row counts: what a refusal must not change. */
  const state = async (): Promise<unknown> => {
    const q = (sql: string) => db.orm.em.fork().getConnection().execute(sql);
    return { accounts: await q('select id, plan, pending_plan, balance_mc from account order by id'), entries: await q('select count(*) as n from ledger_entry'), activations: await q('select count(*) as n from ruleset_activation') };
  };

  beforeAll(async () => {
    url = (await freshDatabase(kind)).url;
    dir1 = copyRules();
    dir2 = copyRules();
    writeV2(dir2);
    v1 = (await compileFiles(readRuleFiles(dir1, dir1))).version;
    const compiled2 = await compileFiles(readRuleFiles(dir2, dir2));
    v2 = compiled2.version;
    expect((await ratecard(['publish', '--rules', dir1, '-m', 'price list', '--activate'])).code).toBe(0);
    expect((await ratecard(['publish', '--rules', dir2, '-m', 'starter plan and narration', '--activate'], at(HOUR))).code).toBe(0);
    // Live accounts under v2: two on Starter, one on Basic about to move down to Starter, one on
    // Pro that narrates (two charges and an open hold).
    db = await openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);
    const ledger = new Ledger(db, new StaticRules(compiled2), { chargeBatch: 0 });
    for (const id of ['s-1', 's-2']) await ledger.createAccount({ id, plan: 'starter' }, at(2 * HOUR), caller);
    await ledger.createAccount({ id: 'b-1', plan: 'basic' }, at(2 * HOUR), caller);
    await ledger.changePlan('b-1', 'starter', at(2 * HOUR), caller);
    await ledger.createAccount({ id: 'p-1', plan: 'pro' }, at(2 * HOUR), caller);
    for (const key of ['n-1', 'n-2']) await ledger.charge({ accountId: 'p-1', action: 'audio.narrate' }, key, at(3 * HOUR), caller);
    await ledger.hold({ accountId: 'p-1', action: 'audio.narrate', ttlSeconds: 86_400 }, 'h-1', at(3 * HOUR), caller);
    await ledger.close();
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    [dir1, dir2].forEach(removeDir);
  });

  const REPORT = () => [
    `  plan \`starter\` is not in ${short(v1)}: 2 accounts on it and 1 pending plan change to it would be denied everything, with no allowance`,
    '    accounts: b-1, s-1, s-2',
    `  action \`audio.narrate\` is not in ${short(v1)} but is in use: 2 charges from 1 account in the last 30 days, 3 uses this billing cycle`,
    `  1 active hold (3 cr reserved) is priced by \`audio.narrate\`, which ${short(v1)} lacks`,
  ];

  it('a dry run prints what the rollback would do and changes nothing', async () => {
    const before = await state();
    const r = await ratecard(['rollback', '--dry-run'], at(4 * HOUR));
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')).toEqual([
      `refused: activating ${short(v1)} (from ${short(v2)}) would hurt live accounts`,
      ...REPORT(),
      'nothing changed: map the plans (--migrate-plan starter=PLAN; PLAN one of `basic`, `pro`, `premium`) or force it (--force --reason "why")',
    ]);
    expect(await state()).toEqual(before);
  });

  it('refuses the rollback with the report, exit 3, and changes nothing', async () => {
    const before = await state();
    const r = await ratecard(['rollback'], at(4 * HOUR));
    expect(r).toEqual({
      code: 3,
      stdout: '',
      stderr: [`refused: rolling back (${short(v2)} → ${short(v1)}) would hurt live accounts`, ...REPORT(), 'nothing changed: map the plans (--migrate-plan starter=PLAN; PLAN one of `basic`, `pro`, `premium`) or force it (--force --reason "why")'].join('\n'),
    });
    expect(await state()).toEqual(before);
    expect((await ratecard(['show', 'active'])).stdout.split('\n')[0]).toBe(`version  ${v2} (active)`);
  });

  it('a mapping settles the plans but not the action in use: still refused', async () => {
    const before = await state();
    const r = await ratecard(['rollback', '--migrate-plan', 'starter=basic'], at(4 * HOUR));
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n').slice(1, -1)).toEqual(REPORT().slice(2));
    expect(await state()).toEqual(before);
  });

  it('refuses a mapping that is not one: a plan of the target, or to a plan it lacks (exit 2)', async () => {
    expect(await ratecard(['rollback', '--migrate-plan', 'basic=pro'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard rollback: `basic` is a plan of version \w{12}: only plans it lacks can be mapped\n/) });
    expect(await ratecard(['rollback', '--migrate-plan', 'starter=gold'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard rollback: `gold` is not a plan of version \w{12}; its plans are `basic`, `pro`, `premium`\n/) });
    expect(await ratecard(['rollback', '--migrate-plan', 'starter'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard rollback: --migrate-plan takes `from=to`/) });
    expect(await ratecard(['rollback', '--force'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard rollback: --force needs --reason "why"/) });
  });

  it('with the mapping and --force --reason: moves the accounts in the same transaction, each move in its ledger', async () => {
    const when = at(5 * HOUR);
    const r = await ratecard(['rollback', '--migrate-plan', 'starter=basic', '--force', '--reason', 'narration is discontinued'], when);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `rolled back ${short(v2)} → ${short(v1)}; active: ${v1}`,
        "  moved 2 accounts from `starter` to `basic` (s-1, s-2); cancelled 1 pending change to `starter`; each move is in the account's ledger",
        '  forced ("narration is discontinued"), over:',
        ...REPORT()
          .slice(2)
          .map((l) => `  ${l}`),
      ].join('\n'),
    });
    const q = (sql: string, params: unknown[] = []) => db.orm.em.fork().getConnection().execute(sql, params);
    expect((await q('select id, plan, pending_plan, balance_mc from account order by id')).map((a: Record<string, unknown>) => [a.id, a.plan, a.pending_plan, Number(a.balance_mc)])).toEqual([
      ['b-1', 'basic', null, 1_500_000],
      ['p-1', 'pro', null, 5_000_000 - 9_000],
      ['s-1', 'basic', null, 300_000],
      ['s-2', 'basic', null, 300_000],
    ]);
    const entries = await q("select account_id, kind, amount_mc, balance_after_mc, plan, ruleset_version, reason from ledger_entry where kind = 'plan' order by account_id");
    expect(entries.map((e: Record<string, unknown>) => [e.account_id, e.kind, Number(e.amount_mc), Number(e.balance_after_mc), e.plan, e.ruleset_version, e.reason])).toEqual([
      ['b-1', 'plan', 0, 1_500_000, 'basic', v1, 'pending change to `starter` cancelled (rollback)'],
      ['s-1', 'plan', 0, 300_000, 'basic', v1, `plan \`starter\` → \`basic\`: version ${short(v1)} has no \`starter\` plan (rollback)`],
      ['s-2', 'plan', 0, 300_000, 'basic', v1, `plan \`starter\` → \`basic\`: version ${short(v1)} has no \`starter\` plan (rollback)`],
    ]);
    const { items } = await new Audit(db).events({ limit: 10 });
    const events = items.filter((e) => e.createdAt === when.toISOString()).reverse();
    expect(events.map((e) => [e.actor, e.event, e.target, e.details])).toEqual([
      ['cli:pm-alice', 'account.plan', 'b-1', { from: 'basic', to: 'basic', kind: 'mapping', version: v1, how: 'rollback', pendingCancelled: 'starter' }],
      ['cli:pm-alice', 'account.plan', 's-1', { from: 'starter', to: 'basic', kind: 'mapping', version: v1, how: 'rollback' }],
      ['cli:pm-alice', 'account.plan', 's-2', { from: 'starter', to: 'basic', kind: 'mapping', version: v1, how: 'rollback' }],
      [
        'cli:pm-alice',
        'ruleset.activate',
        v1,
        { reason: 'rollback', previous: v2, migrated: [{ from: 'starter', to: 'basic', accounts: 2, pendingCleared: 1 }], forced: { reason: 'narration is discontinued', problems: REPORT().slice(2).map((l) => l.trim()) } },
      ],
    ]);
    // The ledger still adds up, and the moved accounts are served by the active version.
    expect((await verifyLedger(db)).problems).toEqual([]);
    const ledger = new Ledger(db, new StaticRules(await compileFiles(readRuleFiles(dir1, dir1))), { chargeBatch: 0 });
    expect((await ledger.quote({ accountId: 's-1', action: 'chat.edit' }, when, caller)).allowed).toBe(true);
    await ledger.close();
  });

  it('activating the version with the plan again is safe: no account is on a plan it lacks', async () => {
    expect(await ratecard(['activate', short(v2), '--dry-run'], at(6 * HOUR))).toEqual({ code: 0, stderr: '', stdout: `safe: activating ${short(v2)} (from ${short(v1)}) strands no account, removes no action in use` });
    expect((await ratecard(['activate', 'previous'], at(6 * HOUR))).stdout).toBe(`active: ${short(v2)} (${v2})`);
  });
});

describe.each(DATABASE_KINDS)('the activation guard over HTTP on %s', (kind) => {
  const api = useApi(kind);
  let v1: string, v2: string;
  let V2: SourceFile[];
  let starter: string;

  beforeAll(async () => {
    const dir = copyRules();
    try {
      writeV2(dir);
      V2 = readRuleFiles(dir, dir);
    } finally {
      removeDir(dir);
    }
    v1 = (await compileBundled()).version;
    v2 = (await compileFiles(V2)).version;
    api.clock.set(START);
    const published = await api.admin.post('/v1/rulesets', { files: V2, message: 'starter plan and narration', activate: true });
    expect([published.status, published.body.activated, published.body.activation.report.safe]).toEqual([201, true, true]);
    starter = (await api.createAccount({ plan: 'starter' })).id;
    expect((await api.charge({ accountId: starter, action: 'audio.narrate' })).status).toBe(201);
  }, 60_000);

  it('GET /v1/rulesets/{version}/activation-report says what a switch would do, and changes nothing', async () => {
    const before = await api.fingerprint();
    const res = await api.auditor.get('/v1/rulesets/previous/activation-report');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: v2, to: v1, safe: false, plans: [{ plan: 'starter', accounts: 1, pendingChanges: 0, sample: [starter], mappedTo: null }], actions: [{ action: 'audio.narrate', charges: 1, chargedMillicredits: 3000, accounts: 1, usage: 1, activeHolds: 0 }] });
    expect(res.body.problems.map((p: Json) => [p.kind, p.subject])).toEqual([
      ['stranded-plan', 'starter'],
      ['vanishing-action', 'audio.narrate'],
    ]);
    const mapped = await api.auditor.get(`/v1/rulesets/${v1.slice(0, 8)}/activation-report?migratePlan=starter=pro`);
    expect(mapped.body.plans[0].mappedTo).toBe('pro');
    expect(mapped.body.problems.map((p: Json) => p.kind)).toEqual(['vanishing-action']);
    expectProblem(await api.auditor.get(`/v1/rulesets/${v1}/activation-report?migratePlan=starter`), 400, 'INVALID_REQUEST');
    expectProblem(await api.auditor.get(`/v1/rulesets/${v1}/activation-report?migratePlan=starter=gold`), 422, 'INVALID_PLAN_MAPPING');
    expect(await api.fingerprint()).toEqual(before);
  });

  it('refuses a rollback, an activation and a publish that activates with 409 ACTIVATION_REFUSED and the report; nothing changes', async () => {
    const before = await api.fingerprint({ withLog: false });
    for (const res of [
      await api.admin.post('/v1/rulesets/rollback'),
      await api.admin.post(`/v1/rulesets/${v1}/activate`, { migratePlans: { starter: 'basic' } }),
      await api.admin.post('/v1/rulesets', { files: readRuleFiles(), message: 'back to the bundled rules', activate: true }),
    ]) {
      expectProblem(res, 409, 'ACTIVATION_REFUSED');
      expect(res.body.report).toMatchObject({ from: v2, to: v1, safe: false });
      expect(res.body.detail).toMatch(/would hurt live accounts: .*action `audio\.narrate` is not in/);
    }
    expect(await api.fingerprint({ withLog: false })).toEqual(before);
    expect((await api.anonymous.get('/health')).body.rulesetVersion).toBe(v2);
  });

  it('force needs a reason, and a reason goes with force', async () => {
    expectProblem(await api.admin.post('/v1/rulesets/rollback', { force: true }), 400, 'INVALID_REQUEST');
    expectProblem(await api.admin.post('/v1/rulesets/rollback', { reason: 'because' }), 400, 'INVALID_REQUEST');
    expectProblem(await api.admin.post('/v1/rulesets/rollback', { migratePlans: { starter: 42 } }), 400, 'INVALID_REQUEST');
  });

  it('maps the plan and forces over the action in use: the account moves in the same transaction, in its ledger', async () => {
    api.clock.set(new Date(START.getTime() + 3_600_000));
    const res = await api.admin.post('/v1/rulesets/rollback', { migratePlans: { starter: 'basic' }, force: true, reason: 'narration is discontinued' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: v1, reason: 'rollback', changed: true, previous: v2, forced: 'narration is discontinued', migrated: [{ from: 'starter', to: 'basic', accounts: [starter], pendingCleared: [] }] });
    expect((await api.anonymous.get('/health')).body.rulesetVersion).toBe(v1);
    const account = await api.account(starter);
    expect([account.plan, account.balanceMillicredits]).toEqual(['basic', 297_000]);
    const last = (await api.ledger(starter)).pop();
    expect(last).toMatchObject({ kind: 'plan', amountMillicredits: 0, balanceAfterMillicredits: 297_000, plan: 'basic', rulesetVersion: v1, reason: `plan \`starter\` → \`basic\`: version ${v1.slice(0, 12)} has no \`starter\` plan (rollback)` });
    expect((await api.service.post('/v1/decisions', { accountId: starter, action: 'chat.edit' })).body.allowed).toBe(true);
    const audit = (await api.auditor.get('/v1/audit?limit=3')).body.items;
    expect(audit.map((e: Json) => e.event)).toEqual(['ruleset.activate', 'account.plan', expect.any(String)]);
    expect(audit[0].details).toMatchObject({ reason: 'rollback', previous: v2, forced: { reason: 'narration is discontinued' }, migrated: [{ from: 'starter', to: 'basic', accounts: 1, pendingCleared: 0 }] });
    expect(await api.ledgerProblems()).toEqual([]);
  });
});
