import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../../apps/cli/src/cli';
import { bundledRulesWith, expectProblem, START, useApi, type Json } from '../support/api';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS } from '../support/databases';
import { removeDir } from '../support/rules';

// Scheduled activation (issue 10, "Time is a fact"): a version published or activated for a later
// instant takes effect at that instant in the process by its own clock, with no poll in between
// (the harness polls once an hour), and every operation is priced by the version in effect at its
// own time. A pending activation is listed, and can be cancelled before its time (append-only).

const BRAINSTORM_AT_1 = 'description: AI suggests 5–8 site ideas\n    price: 1 cr';
const BRAINSTORM_AT = (n: number) => `description: AI suggests 5–8 site ideas\n    price: ${n} cr`;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(START.getTime() + ms).toISOString();

// Publishing compiles the rules and runs their cases: seconds on a loaded machine.
jest.setTimeout(30_000);

describe.each(DATABASE_KINDS)('scheduled activation over HTTP on %s', (kind) => {
  const api = useApi(kind);
  const brainstorm = async (accountId: string) => (await api.service.post('/v1/decisions', { accountId, action: 'prompt.brainstorm' })).body;
  const publish = async (price: number) => {
    const res = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT(price)), message: `brainstorms at ${price} cr` });
    expect(res.status).toBe(201);
    return res.body.version as string;
  };

  it('switches at the instant by the clock, not at a poll; a charge is priced by the version in effect at its time', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const v1 = (await brainstorm(id)).rulesetVersion as string;
    const v2 = await publish(4);

    const scheduled = await api.admin.post(`/v1/rulesets/${v2.slice(0, 10)}/activate`, { at: iso(HOUR) });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ version: v2, changed: true, pending: true, effectiveAt: iso(HOUR), at: START.toISOString(), previous: v1, cancelledBy: null });
    expect((await api.auditor.get('/v1/rulesets/activations')).body[0]).toMatchObject({ id: scheduled.body.id, version: v2, pending: true, effectiveAt: iso(HOUR) });

    // Up to the instant, the active version prices everything; /health names it.
    api.clock.set(new Date(START.getTime() + HOUR - 1));
    expect(await brainstorm(id)).toMatchObject({ cost: 1, rulesetVersion: v1 });
    const before = await api.charge({ accountId: id, action: 'prompt.brainstorm' });
    expect(before.body).toMatchObject({ cost: 1, rulesetVersion: v1 });
    expect((await api.anonymous.get('/health')).body.rulesetVersion).toBe(v1);

    // At the instant exactly, with no poll since the schedule was written.
    api.clock.set(new Date(START.getTime() + HOUR));
    expect(await brainstorm(id)).toMatchObject({ cost: 4, rulesetVersion: v2 });
    const after = await api.charge({ accountId: id, action: 'prompt.brainstorm' });
    expect(after.body).toMatchObject({ cost: 4, rulesetVersion: v2 });
    expect((await api.anonymous.get('/health')).body.rulesetVersion).toBe(v2);
    expect((await api.auditor.get(`/v1/rulesets/${v2}`)).body.active).toBe(true);
    expect((await api.auditor.get('/v1/rulesets/activations')).body[0]).toMatchObject({ id: scheduled.body.id, pending: false });
    expect((await api.ledger(id)).filter((e: Json) => e.kind === 'debit').map((e: Json) => [e.amount, e.rulesetVersion])).toEqual([
      [-1, v1],
      [-4, v2],
    ]);

    const audit = (await api.auditor.get('/v1/audit?limit=50')).body.items.find((e: Json) => e.event === 'ruleset.schedule');
    expect(audit).toMatchObject({ target: v2, details: { effectiveAt: iso(HOUR), previous: v1 } });
    const event = (await api.admin.get('/v1/events?type=ruleset.activated')).body.items.find((e: Json) => e.data.version === v2);
    expect(event.data).toMatchObject({ version: v2, previous: v1, effectiveAt: iso(HOUR) });
  });

  it('publish with `activate` and `activateAt`; a pending activation is cancelled before its time and never takes effect', async () => {
    api.clock.set(new Date(START.getTime() + 2 * HOUR));
    const { id } = await api.createAccount({ plan: 'basic' });
    const current = (await brainstorm(id)).rulesetVersion as string;
    const res = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT(5)), message: 'brainstorms at 5 cr from 6:00', activate: true, activateAt: iso(6 * HOUR) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ activated: true, activation: { pending: true, effectiveAt: iso(6 * HOUR), previous: current } });
    const activation = res.body.activation.id as number;

    const cancelled = await api.admin.post(`/v1/rulesets/activations/${activation}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ reason: 'cancel', cancels: activation, pending: false });
    const log = (await api.auditor.get('/v1/rulesets/activations')).body;
    expect(log.find((a: Json) => a.id === activation)).toMatchObject({ pending: false, cancelledBy: cancelled.body.id });

    api.clock.set(new Date(START.getTime() + 7 * HOUR));
    expect(await brainstorm(id)).toMatchObject({ rulesetVersion: current });
    expectProblem(await api.admin.post(`/v1/rulesets/activations/${activation}/cancel`, {}), 409, 'ACTIVATION_NOT_PENDING');
    expectProblem(await api.admin.post('/v1/rulesets/activations/999999/cancel', {}), 404, 'ACTIVATION_NOT_FOUND');
    expectProblem(await api.auditor.post(`/v1/rulesets/activations/${activation}/cancel`, {}), 403, 'FORBIDDEN');
  });

  it('refuses a time that is not after now, a time without a zone, and a scheduled plan mapping, changing nothing', async () => {
    api.clock.set(new Date(START.getTime() + 8 * HOUR));
    const v = await publish(6);
    const log = async () => (await api.auditor.get('/v1/rulesets/activations')).body.length as number;
    const n = await log();
    expectProblem(await api.admin.post(`/v1/rulesets/${v}/activate`, { at: iso(8 * HOUR) }), 422, 'INVALID_SCHEDULE');
    expectProblem(await api.admin.post(`/v1/rulesets/${v}/activate`, { at: '2026-12-01 00:00' }), 400, 'INVALID_REQUEST');
    expectProblem(await api.admin.post(`/v1/rulesets/${v}/activate`, { at: iso(9 * HOUR), migratePlans: { basic: 'pro' } }), 422, 'INVALID_SCHEDULE');
    const noActivate = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT(6)), message: 'x', activateAt: iso(9 * HOUR) });
    expectProblem(noActivate, 400, 'INVALID_REQUEST');
    expect(await log()).toBe(n);
  });
});

describe.each(DATABASE_KINDS)('scheduled activation through the CLI on %s', (kind) => {
  const api = useApi(kind);
  let dir: string;
  const ratecard = async (argv: string[], now: Date): Promise<CliResult> => {
    const io = { ...captureIo({ now }), env: { DATABASE_URL: api.databaseUrl, USER: 'pm-alice' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };
  afterAll(() => dir && removeDir(dir));

  it('publish --activate-at schedules it; versions --activations lists it; cancel-activation withdraws it', async () => {
    // The bundled rules with brainstorms at 7 cr, and their cases following the change.
    dir = mkdtempSync(join(tmpdir(), 'ratecard-scheduled-'));
    for (const f of await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT(7))) {
      const path = join(dir, f.path.replace(/^rules\//, ''));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
    }
    const now = new Date(START.getTime() + HOUR);

    const published = await ratecard(['publish', '--rules', dir, '-m', 'brainstorms at 7 cr on Dec 1st', '--activate-at', '2026-12-01'], now);
    expect(published).toMatchObject({ code: 0 });
    expect(published.stdout).toMatch(/scheduled: [0-9a-f]{12} becomes active at 2026-12-01T00:00:00\.000Z, in every process \(activation (\d+); cancel it before then with: ratecard cancel-activation \1\)/);
    const id = /activation (\d+);/.exec(published.stdout)![1];

    const listed = await ratecard(['versions', '--activations'], now);
    expect(listed.stdout.split('\n')[0]).toMatch(new RegExp(`^ *${id} .* publish +cli:pm-alice +effective 2026-12-01 00:00:00 +\\(scheduled\\)$`));

    expect(await ratecard(['activate', 'active', '--at', 'tomorrow'], now)).toMatchObject({ code: 2, stderr: expect.stringContaining('--at takes an ISO time') });
    const cancelled = await ratecard(['cancel-activation', id], now);
    expect(cancelled).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^cancelled activation ${id}: [0-9a-f]{12} will not become active \\(recorded as activation \\d+\\)$`)) });
    expect(await ratecard(['cancel-activation', id], now)).toMatchObject({ code: 1, stderr: expect.stringContaining('ACTIVATION_NOT_PENDING') });
    expect((await api.auditor.get('/v1/rulesets/activations')).body.find((a: Json) => String(a.id) === id)).toMatchObject({ pending: false, cancelledBy: expect.any(Number) });
  });
});
