import { openDatabase, parseDatabaseUrl, RulesetVersion, type Database, type DatabaseTarget } from '@ratecard/ledger';
import { run } from '../../apps/cli/src/cli';
import { expectProblem, useApi, type Json } from '../support/api';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileFiles, copyRules, NOW, readRuleFiles, REPO_ROOT, removeDir, updateCasesIn } from '../support/rules';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Versions are named the same way everywhere: the full id, a unique prefix of at least 6
// characters, `active` and `previous`, in show, diff, impact, activate and every API path, body and
// filter; an unknown or ambiguous name is an error (CLI exit 2, a 4xx problem), never an empty answer.

/** Two versions whose ids share the prefix `abcdef`: rows written as a test fixture, never compiled. */
async function twoLookalikes(db: Database): Promise<void> {
  const em = db.orm.em.fork();
  for (const tail of ['1', '2']) {
    await em.insert(RulesetVersion, { version: `abcdef${tail.repeat(58)}`, files: [], author: 'fixture', message: 'lookalike', parentVersion: null, createdAt: NOW });
  }
}

// Every publish compiles the rules and runs their 171 cases, every diff compiles both sides: seconds
// each on a busy machine, more than jest's default 5 s for a test.
jest.setTimeout(30_000);

describe.each(DATABASE_KINDS)('version names in the CLI on %s', (kind) => {
  let url: string;
  let dir: string;
  let v1: string, v2: string;
  const short = (v: string): string => v.slice(0, 12);
  const ratecard = async (...argv: string[]): Promise<CliResult> => {
    const io = { ...captureIo({ now: NOW }), env: { DATABASE_URL: url, USER: 'pm-alice' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };

  beforeAll(async () => {
    url = (await freshDatabase(kind)).url;
    dir = copyRules();
    const file = join(dir, 'editing.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('rate: 0.5 cr/edit,', 'rate: 0.75 cr/edit,'));
    await updateCasesIn(dir);
    v2 = (await compileFiles(readRuleFiles(dir, dir))).version;
    expect((await ratecard('publish', '-m', 'price list', '--activate')).code).toBe(0);
    v1 = JSON.parse((await ratecard('versions', '--json')).stdout)[0].version;
    expect((await ratecard('publish', '--rules', dir, '-m', 'chat edits 0.75 cr', '--activate')).code).toBe(0);
    const db = await openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);
    await twoLookalikes(db);
    await db.close();
  }, 60_000);
  afterAll(() => removeDir(dir));

  it('show takes active, previous, a prefix and a full id', async () => {
    for (const [name, version] of [['active', v2], ['previous', v1], [v1.slice(0, 6), v1], [v2, v2]]) {
      expect((await ratecard('show', name)).stdout.split('\n')[0]).toBe(`version  ${version}${version === v2 ? ' (active)' : ''}`);
    }
  });

  it('diff and impact take them too', async () => {
    expect((await ratecard('diff', 'previous', 'active')).stdout.split('\n')[0]).toBe(`rule-set diff previous (${short(v1)}) → active (${short(v2)})`);
    expect((await ratecard('diff', v1.slice(0, 7), 'active', '--format', 'json')).code).toBe(0);
    expect((await ratecard('impact', '--candidate', 'previous')).stdout.split('\n')[0]).toMatch(new RegExp(`^impact of candidate ${short(v1)} on 0 logged decisions`));
  }, 30_000);

  it('an ambiguous prefix is a usage error that names the candidates, in every command', async () => {
    const message = `\`abcdef\` is the start of 2 versions (abcdef111111, abcdef222222); give more characters`;
    for (const argv of [['show', 'abcdef'], ['activate', 'abcdef'], ['diff', 'abcdef', 'active'], ['impact', '--candidate', 'abcdef']]) {
      const r = await ratecard(...argv);
      expect([r.code, r.stdout, r.stderr.split('\n')[0]]).toEqual([2, '', `ratecard ${argv[0]}: ${message}`]);
    }
  });

  it('an unknown name is a usage error, never an empty answer', async () => {
    expect(await ratecard('show', 'fedcba9')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard show: no version `fedcba9`\n/) });
    expect(await ratecard('show', 'latest')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard show: `latest` is not a version name: give a version id, a prefix of at least 6 characters, `active` or `previous`\n/) });
    expect(await ratecard('show', v1.slice(0, 5))).toMatchObject({ code: 2 });
  });

  it('activate previous is a rollback by name', async () => {
    expect((await ratecard('activate', 'previous')).stdout).toBe(`active: ${short(v1)} (${v1})`);
    expect((await ratecard('show', 'previous')).stdout.split('\n')[0]).toBe(`version  ${v2}`);
  });
});

describe.each(DATABASE_KINDS)('version names over HTTP on %s', (kind) => {
  const api = useApi(kind);
  let v1: string, v2: string;
  beforeAll(async () => {
    const dir = copyRules();
    try {
      const file = join(dir, 'editing.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('rate: 0.5 cr/edit,', 'rate: 0.75 cr/edit,'));
      await updateCasesIn(dir);
      const files = readRuleFiles(dir, dir);
      v1 = (await api.auditor.get('/v1/rulesets/active')).body.version;
      v2 = (await api.admin.post('/v1/rulesets', { files, message: 'chat edits 0.75 cr', activate: true })).body.version;
    } finally {
      removeDir(dir);
    }
    const { id } = await api.createAccount({ plan: 'basic' });
    expect((await api.charge({ accountId: id, action: 'chat.edit' })).status).toBe(201);
    await twoLookalikes(api.db);
  }, 60_000);

  it('paths, queries and bodies take active, previous and prefixes', async () => {
    expect((await api.auditor.get('/v1/rulesets/active')).body.version).toBe(v2);
    expect((await api.auditor.get('/v1/rulesets/previous')).body.version).toBe(v1);
    expect((await api.auditor.get('/v1/rulesets/previous/cases')).body.version).toBe(v1);
    expect((await api.auditor.get('/v1/rulesets/diff?from=previous&to=active')).body).toMatchObject({ from: v1, to: v2 });
    api.clock.advance({ minutes: 1 });
    expect((await api.auditor.post('/v1/rulesets/impact', { version: 'previous', since: '1d' })).body).toMatchObject({ candidateVersion: v1, requests: 1 });
    const logged = await api.auditor.get(`/v1/decisions?rulesetVersion=active`);
    expect(logged.body.items.map((d: Json) => d.rulesetVersion)).toEqual([v2]);
    expect((await api.auditor.get(`/v1/decisions?rulesetVersion=${v2.slice(0, 8)}`)).body.items).toHaveLength(1);
    expect((await api.auditor.get(`/v1/decisions?rulesetVersion=previous`)).body.items).toEqual([]);
  });

  it('an unknown name is a 404 and an ambiguous prefix a 400 with the candidates, everywhere', async () => {
    for (const res of [
      await api.auditor.get('/v1/rulesets/abcdef'),
      await api.auditor.get('/v1/rulesets/diff?from=abcdef&to=active'),
      await api.auditor.post('/v1/rulesets/impact', { version: 'abcdef' }),
      await api.auditor.get('/v1/decisions?rulesetVersion=abcdef'),
      await api.admin.post('/v1/rulesets/abcdef/activate'),
    ]) {
      expectProblem(res, 400, 'VERSION_AMBIGUOUS');
      expect(res.body.candidates).toEqual([`abcdef${'1'.repeat(58)}`, `abcdef${'2'.repeat(58)}`]);
    }
    for (const res of [
      await api.auditor.get('/v1/rulesets/fedcba9'),
      await api.auditor.get('/v1/rulesets/diff?from=fedcba9&to=active'),
      await api.auditor.post('/v1/rulesets/impact', { version: 'fedcba9' }),
      await api.auditor.get('/v1/decisions?rulesetVersion=fedcba9'),
      await api.admin.post('/v1/rulesets/fedcba9/activate'),
    ]) {
      expectProblem(res, 404, 'VERSION_NOT_FOUND');
    }
    expectProblem(await api.auditor.get('/v1/decisions?rulesetVersion=latest'), 404, 'VERSION_NOT_FOUND');
    expectProblem(await api.auditor.get('/v1/rulesets/diff?from=latest&to=active'), 400, 'INVALID_REQUEST');
  });

  it('documents the rule-set routes in OpenAPI with their response schemas, for the studio', async () => {
    const spec = (await api.anonymous.get('/docs/openapi.json')).body;
    const ref = (path: string, method: string, status: string): string => spec.paths[path][method].responses[status]?.content?.['application/json']?.schema?.$ref ?? spec.paths[path][method].responses[status]?.content?.['application/json']?.schema?.items?.$ref;
    expect([
      ref('/v1/rulesets', 'post', '201'),
      ref('/v1/rulesets', 'get', '200'),
      ref('/v1/rulesets/{version}', 'get', '200'),
      ref('/v1/rulesets/{version}/cases', 'get', '200'),
      ref('/v1/rulesets/{version}/activation-report', 'get', '200'),
      ref('/v1/rulesets/{version}/activate', 'post', '200'),
      ref('/v1/rulesets/rollback', 'post', '200'),
      ref('/v1/rulesets/diff', 'get', '200'),
      ref('/v1/rulesets/impact', 'post', '200'),
    ]).toEqual(['PublishResultSchema', 'VersionSchema', 'VersionDetailSchema', 'VersionCasesSchema', 'ActivationReportSchema', 'ActivationResultSchema', 'ActivationResultSchema', 'DiffSchema', 'ImpactSchema'].map((n) => `#/components/schemas/${n}`));
    expect(Object.keys(spec.paths['/v1/rulesets/{version}/activate'].post.responses)).toEqual(expect.arrayContaining(['200', '409', '422']));
    expect(Object.keys(spec.components.schemas.ActivationReportSchema.properties)).toEqual(['from', 'to', 'since', 'until', 'plans', 'actions', 'problems', 'safe']);
    expect(spec.paths['/v1/rulesets/{version}/activate'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/SwitchDto');
  });

  it('activate previous switches back by name', async () => {
    const res = await api.admin.post('/v1/rulesets/previous/activate');
    expect([res.status, res.body.version, res.body.previous]).toEqual([200, v1, v2]);
  });
});
