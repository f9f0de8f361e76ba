import { bundledRulesWith, expectProblem, rawRulesWith, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { readRuleFiles } from '../support/rules';

// The reads the Studio is built on: the rule workbench (validate, test, quote and diff for files
// that are not a version), a version's rule locations, price table and plan grid, the accounts list,
// a charge's ledger entries and decision, the audit trail's filters.

describe.each(DATABASE_KINDS)('the rule workbench and version views on %s', (kind) => {
  const api = useApi(kind);
  let version: string;

  beforeAll(async () => {
    version = (await api.anonymous.get('/health')).body.rulesetVersion;
  });

  // A price change with its cases updated (a publishable rule set), and the same change with the
  // cases untouched (they fail).
  const pricier = () => bundledRulesWith('editing.yaml', 'rate: 0.5 cr/edit', 'rate: 0.75 cr/edit');
  const pricierStaleCases = () => rawRulesWith('editing.yaml', 'rate: 0.5 cr/edit', 'rate: 0.75 cr/edit');
  // A typo: no such plan, the files do not compile.
  const typo = () => rawRulesWith('editing.yaml', 'requires: pro+', 'requires: gold+');

  describe('POST /v1/rulesets/validate', () => {
    it('says the bundled files are valid and which version they are', async () => {
      const res = await api.auditor.post('/v1/rulesets/validate', { files: readRuleFiles() });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ valid: true, version, diagnostics: [], ruleFiles: 6, plans: 3 });
    });

    it('reports a typo at its file, line and column, as the CLI does, and the files are not valid', async () => {
      const files = typo();
      const res = await api.auditor.post('/v1/rulesets/validate', { files });
      expect(res.body.valid).toBe(false);
      expect(res.body.version).toBeNull();
      expect(res.body.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'unknown-plan', location: { file: 'rules/editing.yaml', line: 28, column: 15, path: 'actions["business-os.chat"].requires' } })]);
    });

    it('reports problems of the case files too', async () => {
      const files = readRuleFiles().map((f) => (f.path === 'rules/editing.test.yaml' ? { ...f, text: 'cases: 7\n' } : f));
      const res = await api.auditor.post('/v1/rulesets/validate', { files });
      expect(res.body.valid).toBe(false);
      expect(res.body.diagnostics[0].location.file).toBe('rules/editing.test.yaml');
    });
  });

  describe('POST /v1/rulesets/test', () => {
    it('runs every case and shows each failure with what it expected and what the rules gave', async () => {
      const res = await api.auditor.post('/v1/rulesets/test', { files: pricierStaleCases() });
      expect(res.status).toBe(200);
      expect(res.body.failed).toBeGreaterThan(0);
      expect(res.body.passed + res.body.failed).toBe(res.body.results.length);
      const failure = res.body.results.find((r: Json) => !r.pass);
      expect(failure).toMatchObject({ action: 'chat.edit', location: { file: 'rules/editing.test.yaml' }, decision: { cost: 0.75 } });
      expect(failure.mismatches).toContainEqual({ field: 'cost', want: '0.5', got: '0.75' });
    });

    it('is a 422 with every diagnostic when the rules do not compile', async () => {
      const res = await api.auditor.post('/v1/rulesets/test', { files: typo() });
      expectProblem(res, 422, 'INVALID_RULES');
      expect(res.body.diagnostics[0].code).toBe('unknown-plan');
    });
  });

  describe('POST /v1/rulesets/quote', () => {
    it('prices with files or a version, with a balance and quota usage', async () => {
      const files = await api.auditor.post('/v1/rulesets/quote', { files: await pricier(), plan: 'basic', action: 'chat.edit' });
      expect([files.status, files.body.cost, files.body.allowed]).toEqual([200, 0.75, true]);
      const poor = await api.auditor.post('/v1/rulesets/quote', { version, plan: 'basic', action: 'chat.edit', balance: 0.4 });
      expect(poor.body.reasons.map((r: Json) => r.code)).toEqual(['INSUFFICIENT_CREDITS']);
      const used = await api.auditor.post('/v1/rulesets/quote', { version, plan: 'basic', action: 'site.generate', used: { 'site.generate': 2 } });
      expect(used.body.reasons.map((r: Json) => r.code)).toContain('QUOTA_EXCEEDED');
      const gated = await api.auditor.post('/v1/rulesets/quote', { version, plan: 'basic', action: 'image.generate', params: { model: 'flux-pro' } });
      expect(gated.body).toMatchObject({ allowed: false, cost: 16, reasons: [{ code: 'PLAN_REQUIRED', rule: 'image.generate/variant/flux-pro' }] });
    });

    it('refuses neither or both of files and version, and bad usage', async () => {
      expectProblem(await api.auditor.post('/v1/rulesets/quote', { plan: 'basic', action: 'chat.edit' }), 400, 'INVALID_REQUEST');
      expectProblem(await api.auditor.post('/v1/rulesets/quote', { version, files: await pricier(), plan: 'basic', action: 'chat.edit' }), 400, 'INVALID_REQUEST');
      expectProblem(await api.auditor.post('/v1/rulesets/quote', { version, plan: 'basic', action: 'chat.edit', used: { 'chat.edit': -1 } }), 400, 'INVALID_REQUEST');
      expectProblem(await api.auditor.post('/v1/rulesets/quote', { version, plan: 'basic', action: 'chat.edit', balance: 0.0001 }), 400, 'INVALID_REQUEST');
    });
  });

  it('POST /v1/rulesets/diff compares files with a version', async () => {
    const res = await api.auditor.post('/v1/rulesets/diff', { from: version, files: await pricier() });
    expect(res.status).toBe(200);
    expect(res.body.rules).toEqual([expect.objectContaining({ kind: 'price-increase', subject: 'chat.edit', direction: 'tightened' })]);
    expect(res.body.cells).toHaveLength(3);
    const same = await api.auditor.post('/v1/rulesets/diff', { from: version, files: readRuleFiles() });
    expect(same.body.identical).toBe(true);
  });

  describe('a version', () => {
    it("maps each rule id to its file:line in the version's own files", async () => {
      const res = await api.auditor.get(`/v1/rulesets/${version}/rules`);
      expect(res.status).toBe(200);
      const flux = res.body.rules.find((r: Json) => r.rule === 'image.generate/variant/flux-pro');
      expect(flux).toEqual({ rule: 'image.generate/variant/flux-pro', subject: 'image.generate', location: { file: 'images.yaml', line: 22, column: 9, path: 'actions["image.generate"].price.variants["flux-pro"]' } });
      const images = (await api.auditor.get(`/v1/rulesets/${version}`)).body.sources.find((f: Json) => f.path === 'images.yaml').text.split('\n');
      expect(images[flux.location.line - 1]).toContain('flux-pro:');
    });

    it('has a price table and a plan grid', async () => {
      const table = await api.auditor.get(`/v1/rulesets/${version.slice(0, 10)}/table`);
      expect(table.body.rulesetVersion).toBe(version);
      expect(table.body.groups.flatMap((g: Json) => g.rows).find((r: Json) => r.item.endsWith('Flux Pro'))).toMatchObject({ credits: '16 cr', plans: 'Pro+' });
      const grid = await api.auditor.get(`/v1/rulesets/${version}/grid`);
      const flux = grid.body.rows.find((r: Json) => r.option?.value === 'flux-pro');
      expect(flux.cells.map((c: Json) => [c.plan, c.allowed])).toEqual([['basic', false], ['pro', true], ['premium', true]]);
    });

    it('is a 404 when it does not exist', async () => {
      for (const path of ['rules', 'table', 'grid']) expectProblem(await api.auditor.get(`/v1/rulesets/abcdef0123/${path}`), 404, 'VERSION_NOT_FOUND');
    });
  });

  describe('accounts, charges and the audit trail', () => {
    it('lists accounts by id prefix, a page at a time', async () => {
      for (const id of ['list-a1', 'list-a2', 'list-a3', 'other-1']) await api.createAccount({ id, plan: 'basic' });
      const first = await api.auditor.get('/v1/accounts?prefix=list-&limit=2');
      expect(first.body.items.map((a: Json) => a.id)).toEqual(['list-a1', 'list-a2']);
      expect(first.body.items[0]).toMatchObject({ plan: 'basic', balance: 1500, balanceMillicredits: 1_500_000, held: 0 });
      const second = await api.auditor.get(`/v1/accounts?prefix=list-&limit=2&cursor=${first.body.next}`);
      expect([second.body.items.map((a: Json) => a.id), second.body.next]).toEqual([['list-a3'], null]);
      expect((await api.auditor.get('/v1/accounts?prefix=list_')).body.items).toEqual([]);
    });

    it("shows a charge's ledger entries and its decision with the rule of each receipt line", async () => {
      const account = await api.createAccount({ plan: 'premium' });
      const charge = (await api.charge({ accountId: account.id, action: 'image.generate', params: { model: 'flux-pro', resolution: '2k' } })).body;
      await api.service.post(`/v1/charges/${charge.id}/refund`, { amount: 2, reason: 'blurry' });
      const entries = await api.auditor.get(`/v1/charges/${charge.id}/entries`);
      expect(entries.body.map((e: Json) => [e.kind, e.amount])).toEqual([['debit', -32], ['refund', 2]]);
      const log = await api.auditor.get(`/v1/decisions?chargeId=${charge.id}`);
      expect(log.body.items).toHaveLength(1);
      expect(log.body.items[0]).toMatchObject({ kind: 'charge', chargeId: charge.id, rulesetVersion: version });
      expect(log.body.items[0].decision.breakdown.map((b: Json) => b.rule)).toEqual(['image.generate/variant/flux-pro', 'image.generate/multiplier/resolution=2k']);
      expect((await api.auditor.get(`/v1/decisions?kind=quote&accountId=${account.id}`)).body.items).toEqual([]);
      expectProblem(await api.auditor.get('/v1/charges/ch_nope/entries'), 404, 'CHARGE_NOT_FOUND');
    });

    it('filters the audit trail by event, actor and time, and names the key that acted', async () => {
      api.clock.set('2026-03-21T09:00:00.000Z');
      const key = await api.createKey('auditor', 'bob the auditor');
      const adminId = (await api.admin.get('/v1/whoami')).body.id;
      const created = await api.auditor.get('/v1/audit?event=key.create&since=2026-03-21T08:59:00.000Z');
      expect(created.body.items.map((e: Json) => [e.event, e.target, e.actor, e.actorName])).toEqual([['key.create', key.id, adminId, (await api.admin.get('/v1/whoami')).body.name]]);
      expect((await api.auditor.get('/v1/audit?event=key.create&until=2026-03-21T09:00:00.000Z')).body.items.map((e: Json) => e.target)).not.toContain(key.id);
      expect((await api.auditor.get(`/v1/audit?actor=${key.id}`)).body.items).toEqual([]);
      expectProblem(await api.auditor.get('/v1/audit?since=yesterday'), 400, 'INVALID_REQUEST');
    });
  });
});
