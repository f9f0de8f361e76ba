import { bundledRulesWith, expectProblem, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { readRuleFiles } from '../support/rules';

// Rule-set versions over HTTP: the bundled rules published and activated at first start,
// publishing (and refusing broken rules), activation switching what decisions use at once, holds
// captured at the price of the version that priced them, rollback, diff and impact preview.

const BRAINSTORM_AT_1 = 'description: AI suggests 5–8 site ideas\n    price: 1 cr';
const BRAINSTORM_AT_2 = 'description: AI suggests 5–8 site ideas\n    price: 2 cr';

describe.each(DATABASE_KINDS)('rule sets on %s', (kind) => {
  const api = useApi(kind);

  const active = async () => (await api.anonymous.get('/health')).body.rulesetVersion as string;
  const brainstormCost = async (accountId: string) => (await api.service.post('/v1/decisions', { accountId, action: 'prompt.brainstorm' })).body;

  it('at first start the bundled rules are published and active: GET /v1/rulesets and GET /v1/rulesets/:version', async () => {
    const version = await active();

    const list = await api.auditor.get('/v1/rulesets');
    const one = await api.auditor.get(`/v1/rulesets/${version}`);
    const byPrefix = await api.auditor.get(`/v1/rulesets/${version.slice(0, 8)}`);

    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining({ version, active: true, author: 'system', parentVersion: null, message: 'bundled rules from rules/ at first start' })]);
    expect(list.body[0].files).toEqual(expect.arrayContaining(['plans.yaml', 'sites.yaml']));
    expect(one.status).toBe(200);
    expect(one.body.sources.find((f: Json) => f.path === 'plans.yaml').text).toContain('allowance: 1,500 cr');
    expect(byPrefix.body).toEqual(one.body);
    expect((await api.auditor.get('/v1/rulesets/activations')).body).toEqual([expect.objectContaining({ version, activatedBy: 'system', reason: 'publish' })]);
  });

  it('publish, activate, roll back: decisions follow the active version at once', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const v1 = await active();

    const published = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT_2), message: 'brainstorms at 2 cr' });
    const again = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT_2), message: 'the same rules' });
    const v2 = published.body.version;

    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ version: expect.stringMatching(/^[0-9a-f]{64}$/), created: true, activated: false, warnings: [] });
    expect(again.body).toMatchObject({ version: v2, created: false, activated: false });
    expect(await brainstormCost(id)).toMatchObject({ cost: 1, rulesetVersion: v1 });

    const activated = await api.admin.post(`/v1/rulesets/${v2}/activate`);

    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ version: v2, reason: 'activate', at: api.clock.now().toISOString() });
    expect(await brainstormCost(id)).toMatchObject({ cost: 2, rulesetVersion: v2 });
    expect(await active()).toBe(v2);
    const charged = await api.charge({ accountId: id, action: 'prompt.brainstorm' });
    expect(charged.body).toMatchObject({ cost: 2, rulesetVersion: v2 });
    expect((await api.ledger(id)).at(-1)).toMatchObject({ kind: 'debit', amount: -2, rulesetVersion: v2 });
    expect((await api.auditor.get('/v1/rulesets')).body.map((v: Json) => [v.version, v.active, v.parentVersion])).toEqual(
      expect.arrayContaining([
        [v1, false, null],
        [v2, true, v1],
      ]),
    );

    const rolledBack = await api.admin.post('/v1/rulesets/rollback');

    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({ version: v1, reason: 'rollback' });
    expect(await brainstormCost(id)).toMatchObject({ cost: 1, rulesetVersion: v1 });
    expect((await api.auditor.get('/v1/rulesets/activations')).body.map((a: Json) => [a.version, a.reason])).toEqual([
      [v1, 'rollback'],
      [v2, 'activate'],
      [v1, 'publish'],
    ]);
    const events = (await api.auditor.get('/v1/audit?limit=500')).body.items.map((e: Json) => [e.event, e.target]);
    expect(events).toEqual(expect.arrayContaining([['ruleset.publish', v2], ['ruleset.activate', v2], ['ruleset.activate', v1]]));
  });

  it('publish with `activate: true` switches at once', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const v1 = await active();
    const res = await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, 'description: AI suggests 5–8 site ideas\n    price: 3 cr'), message: 'brainstorms at 3 cr', activate: true });
    expect(res.body).toMatchObject({ created: true, activated: true });
    expect(await brainstormCost(id)).toMatchObject({ cost: 3, rulesetVersion: res.body.version });
    expect((await api.admin.post(`/v1/rulesets/${v1}/activate`)).status).toBe(200);
    expect(await brainstormCost(id)).toMatchObject({ cost: 1 });
  });

  it('a hold is captured at the price of the version that priced it', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const v1 = await active();
    const hold = (await api.hold({ accountId: id, action: 'prompt.brainstorm' })).body;
    const v2 = (await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT_2), message: 'brainstorms at 2 cr', activate: true })).body.version;
    expect(v2).not.toBe(v1);

    const captured = await api.service.post(`/v1/holds/${hold.id}/capture`, { params: {} });

    expect(captured.status).toBe(201);
    expect(captured.body.charge).toMatchObject({ cost: 1, rulesetVersion: v1 });
    expect((await api.account(id)).balance).toBe(1499);
    expect((await api.admin.post(`/v1/rulesets/${v1}/activate`)).status).toBe(200);
  });

  it('refuses rules that do not compile: 422 INVALID_RULES with every diagnostic, and nothing is published', async () => {
    const files = readRuleFiles().map((f) => (f.path === 'rules/plans.yaml' ? { ...f, text: f.text.replace('allowance: 1,500 cr', 'allowance: lots') } : f));
    const before = await api.fingerprint();

    const res = await api.admin.post('/v1/rulesets', { files, message: 'broken', activate: true });

    expectProblem(res, 422, 'INVALID_RULES');
    expect(res.body.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'error', location: expect.objectContaining({ file: 'rules/plans.yaml' }) })]));
    expect(await api.fingerprint()).toEqual(before);
  });

  it('GET /v1/rulesets/diff says what changed between two versions', async () => {
    const v1 = await active();
    const v2 = (await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT_2), message: 'brainstorms at 2 cr' })).body.version;

    const json = await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=${v2}`);
    const md = await api.auditor.get(`/v1/rulesets/diff?from=${v1}&to=${v2}&format=md`);

    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ from: v1, to: v2, identical: false });
    expect(JSON.stringify(json.body.rules)).toContain('prompt.brainstorm');
    expect(json.body.cells.length).toBeGreaterThan(0);
    expect([md.status, md.headers['content-type']]).toEqual([200, 'text/markdown; charset=utf-8']);
    expect(md.body).toContain('prompt.brainstorm');
  });

  it('POST /v1/rulesets/impact replays the logged decisions under a candidate and writes nothing', async () => {
    // A window of its own: an hour that only this test's decisions fall in.
    api.clock.set('2026-03-25T10:00:00Z');
    const { id } = await api.createAccount({ plan: 'basic' });
    for (let i = 0; i < 3; i++) expect((await api.charge({ accountId: id, action: 'prompt.brainstorm' })).status).toBe(201);
    await api.service.post('/v1/decisions', { accountId: id, action: 'chat.edit' });
    const v2 = (await api.admin.post('/v1/rulesets', { files: await bundledRulesWith('editing.yaml', BRAINSTORM_AT_1, BRAINSTORM_AT_2), message: 'brainstorms at 2 cr' })).body.version;
    api.clock.advance({ minutes: 1 });
    const before = await api.fingerprint();

    const res = await api.auditor.post('/v1/rulesets/impact', { version: v2, since: '1h' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ candidateVersion: v2, window: { since: '2026-03-25T09:01:00.000Z', until: '2026-03-25T10:01:00.000Z' }, requests: 4, repriced: 3, changedOutcome: 0, chargedBefore: 3, chargedAfter: 6, newlyDeniedAccounts: [] });
    expect(res.body.byAction.map((g: Json) => [g.key, g.requests, g.repriced, g.chargedBefore, g.chargedAfter])).toEqual(
      expect.arrayContaining([
        ['prompt.brainstorm', 3, 3, 3, 6],
        ['chat.edit', 1, 0, 0, 0],
      ]),
    );
    expect(await api.fingerprint()).toEqual(before);
  });

  it('is 404 VERSION_NOT_FOUND for an unknown version, an unknown prefix or a name that is no version id', async () => {
    expectProblem(await api.auditor.get('/v1/rulesets/0000000000'), 404, 'VERSION_NOT_FOUND');
    expectProblem(await api.admin.post('/v1/rulesets/0000000000/activate'), 404, 'VERSION_NOT_FOUND');
    expectProblem(await api.auditor.get('/v1/rulesets/latest'), 404, 'VERSION_NOT_FOUND');
  });
});
