import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Drafts, openDatabase, parseDatabaseUrl, RuleVersions, type Database, type DatabaseTarget } from '@ratecard/ledger';
import { run } from '../../apps/cli/src/cli';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileFiles, NOW, readRuleFiles, REPO_ROOT, RULES_DIR } from '../support/rules';

// `ratecard pull <version|draft> --to DIR`: any version or Studio draft back to files, so git can
// stay the record; pulled files compile to the same version.

describe.each(DATABASE_KINDS)('ratecard pull on %s', (kind) => {
  let url: string;
  let db: Database;
  let versions: RuleVersions;
  let version: string;
  const caller = { actor: 'cli:test' };

  const ratecard = async (argv: string[]): Promise<CliResult> => {
    const io = { ...captureIo(), env: { DATABASE_URL: url, USER: 'pm-alice' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };
  const dir = (): string => mkdtempSync(join(tmpdir(), 'ratecard-pull-'));

  beforeAll(async () => {
    url = (await freshDatabase(kind)).url;
    db = await openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);
    await db.migrate();
    versions = new RuleVersions(db);
    version = (await versions.publish(readRuleFiles(RULES_DIR, RULES_DIR), 'alice', 'bundled', NOW, { activate: true, caller })).version;
  });
  afterAll(() => db.close());

  it('writes a version as written; the directory compiles to the same version', async () => {
    const to = dir();
    const r = await ratecard(['pull', version.slice(0, 8), '--to', to]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`pulled version ${version.slice(0, 12)} to ${to}: 12 written, 0 unchanged`);
    for (const f of readRuleFiles(RULES_DIR, RULES_DIR)) expect(readFileSync(join(to, f.path), 'utf8')).toBe(f.text);
    expect((await compileFiles(readRuleFiles(to, to))).version).toBe(version);
    expect((await ratecard(['pull', version, '--to', to])).stdout).toBe(`pulled version ${version.slice(0, 12)} to ${to}: 0 written, 12 unchanged`);
  });

  it('writes a draft at its latest revision or at an earlier one', async () => {
    const drafts = new Drafts(db, versions);
    const draft = await drafts.create({ name: 'chat edits' }, 'alice', caller, NOW);
    const editing = draft.files.find((f) => f.path === 'editing.yaml')!;
    await drafts.revise(draft.id, { baseRevision: 1, files: [{ path: 'editing.yaml', text: editing.text.replace('0.5 cr/edit', '0.75 cr/edit') }] }, 'alice', caller, NOW);
    const latest = dir();
    expect((await ratecard(['pull', draft.id, '--to', latest])).code).toBe(0);
    expect(readFileSync(join(latest, 'editing.yaml'), 'utf8')).toContain('0.75 cr/edit');
    const first = dir();
    const r = await ratecard(['pull', draft.id, '--revision', '1', '--to', first]);
    expect(r.stdout).toBe(`pulled draft ${draft.id} (chat edits) revision 1 to ${first}: 12 written, 0 unchanged`);
    expect(readFileSync(join(first, 'editing.yaml'), 'utf8')).toBe(editing.text);
  });

  it('lists rule files that are not in what was pulled, and removes them with --prune', async () => {
    const to = dir();
    writeFileSync(join(to, 'old.yaml'), 'actions: {}\n');
    writeFileSync(join(to, 'README.md'), 'kept\n');
    const listed = await ratecard(['pull', version, '--to', to]);
    expect([listed.code, listed.stderr]).toEqual([0, `${join(to, 'old.yaml')}: not in version ${version.slice(0, 12)}; remove it (or pull with --prune) so the directory is exactly version ${version.slice(0, 12)}`]);
    const pruned = await ratecard(['pull', version, '--to', to, '--prune']);
    expect(pruned.stdout).toMatch(/, 1 removed$/);
    expect(existsSync(join(to, 'old.yaml'))).toBe(false);
    expect(existsSync(join(to, 'README.md'))).toBe(true);
  });

  it('writes nothing when a file of the version would land outside the directory', async () => {
    const files = [...readRuleFiles(RULES_DIR, RULES_DIR), { path: '../outside.yaml', text: 'actions:\n  extra.thing:\n    name: Extra thing\n    price: 1 cr\n' }];
    const evil = (await versions.publish(files, 'mallory', 'a path that climbs', NOW, { caller })).version;
    expect(evil).not.toBe(version);
    const to = dir();
    const r = await ratecard(['pull', evil, '--to', join(to, 'rules')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('../outside.yaml: unsafe-path:');
    expect(readdirSync(to)).toEqual([]);
  });

  it('says what is wrong with the command line or the name', async () => {
    expect((await ratecard(['pull', version])).code).toBe(2);
    expect((await ratecard(['pull', version, '--to', dir(), '--revision', '2'])).code).toBe(2);
    const missing = await ratecard(['pull', 'draft_nope', '--to', dir()]);
    expect([missing.code, missing.stderr]).toEqual([1, 'ratecard pull: DRAFT_NOT_FOUND: no draft `draft_nope`']);
    // An unknown version name is a usage error, as in every command that takes one (test/versions/names).
    expect(await ratecard(['pull', 'abcdef12', '--to', dir()])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard pull: no version `abcdef12`\n/) });
  });
});
