import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Audit, DecisionDenied, Ledger, openDatabase, parseDatabaseUrl, StaticRules, type Caller, type Database, type DatabaseTarget } from '@ratecard/ledger';
import { run } from '../../apps/cli/src/cli';
import { captureIo, type CliResult } from '../support/cli-io';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { compileBundled, compileFiles, copyRules, NOW, readRuleFiles, REPO_ROOT, removeDir, updateCasesIn } from '../support/rules';

// Rule versions through the CLI, as a PM and an auditor use them, against a real database of each
// kind: publish, versions, activate, rollback, diff between directories, versions and git revisions,
// --fail-on, and the impact preview of a decision log built through the ledger.

/** Replaces text that must occur exactly once in a rule file. */
function change(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (text.split(from).length !== 2) throw new Error(`\`${from}\` is not in ${file} exactly once`);
  writeFileSync(path, text.replace(from, to));
}

const CHAT_EDIT = '{ rate: 0.5 cr/edit, label: Chat edit (surgical patch) }';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number): Date => new Date(NOW.getTime() + ms);

/** A second connection to the database the CLI uses. */
const connect = (url: string): Promise<Database> => openDatabase(parseDatabaseUrl(url, REPO_ROOT) as DatabaseTarget);

// Every publish compiles the rules and runs their 171 cases, every diff compiles both sides: seconds
// each on a busy machine, more than jest's default 5 s for a test.
jest.setTimeout(30_000);

describe.each(DATABASE_KINDS)('rule versions through the CLI on %s', (kind) => {
  let url: string;
  /** The bundled rules; chat edits 0.5 → 0.75 cr; Business OS chat Pro+ → Premium+; two errors. */
  let v1: string, v2: string, v3: string, broken: string;
  let versions: { v1: string; v2: string; v3: string };

  /** `ratecard <argv>` in-process, as user `pm-alice` on the suite's database, at `now`. */
  const ratecard = async (argv: string[], options: { cwd?: string; now?: Date } = {}): Promise<CliResult> => {
    const io = { ...captureIo({ cwd: options.cwd, now: options.now }), env: { DATABASE_URL: url, USER: 'pm-alice' } };
    const code = await run(argv, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };
  const ok = async (argv: string[], options: { cwd?: string; now?: Date } = {}): Promise<string> => {
    const r = await ratecard(argv, options);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return r.stdout;
  };
  const short = (v: string): string => v.slice(0, 12);

  beforeAll(async () => {
    url = (await freshDatabase(kind)).url;
    v1 = copyRules();
    v2 = copyRules();
    change(v2, 'editing.yaml', CHAT_EDIT, '{ rate: 0.75 cr/edit, label: Chat edit (surgical patch) }');
    await updateCasesIn(v2);
    v3 = copyRules();
    change(v3, 'editing.yaml', '    requires: pro+\n', '    requires: premium+\n');
    await updateCasesIn(v3);
    broken = copyRules();
    change(broken, 'editing.yaml', '    requires: pro+\n', '    requires: gold+\n');
    change(broken, 'images.yaml', 'seedream-4.5:     { rate: 18 cr,', 'seedream-4.5:     { rate: lots,');
    versions = { v1: (await compileBundled()).version, v2: (await compileFiles(readRuleFiles(v2, v2))).version, v3: (await compileFiles(readRuleFiles(v3, v3))).version };
  });
  afterAll(() => [v1, v2, v3, broken].forEach(removeDir));

  describe('publish, versions, activate, rollback', () => {
    it('refuses a rule set with errors, prints every diagnostic, and publishes nothing', async () => {
      const validate = await ratecard(['validate', '--rules', broken]);
      expect(validate.code).toBe(1);
      const r = await ratecard(['publish', '--rules', broken, '-m', 'broken', '--activate']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      // The same diagnostics as `validate`, with paths as stored in a version: relative to the rules directory.
      expect(r.stderr).toBe(`${validate.stderr.split(`${relative(REPO_ROOT, broken)}/`).join('')}\nnot published: a rule set with errors never becomes a version`);
      expect(r.stderr.split('\n').filter((l) => /^\w+\.yaml:\d+:\d+: /.test(l)).map((l) => l.split(': ').slice(0, 2).join(': '))).toEqual([
        'editing.yaml:28:15: unknown-plan',
        'images.yaml:17:7: schema-type',
        'images.yaml:17:7: missing-variant',
        'images.yaml:19:27: schema-type',
        'images.yaml:19:35: schema-format',
      ]);
      expect(await ok(['versions'])).toBe('no published versions yet: ratecard publish -m "..."');
    });

    it('publishes and activates the first version', async () => {
      expect(await ok(['publish', '--rules', v1, '-m', 'initial price list', '--activate'], { now: NOW })).toBe(`published ${short(versions.v1)} (${versions.v1}), now active: 171 cases pass`);
    });

    it('publishes the same content again as the same version, changing nothing', async () => {
      expect(await ok(['publish', '--rules', v1, '-m', 'again', '--activate'], { now: at(HOUR) })).toBe(`already published ${short(versions.v1)} (${versions.v1}), already active: 171 cases pass`);
    });

    it('publishes a new version without activating it, and says how to', async () => {
      expect(await ok(['publish', '--rules', v2, '-m', 'chat edits cost 0.75 cr', '--author', 'bob'], { now: at(2 * HOUR) })).toBe(
        [`published ${short(versions.v2)} (${versions.v2}): 171 cases pass`, `activate it with: ratecard activate ${short(versions.v2)}`].join('\n'),
      );
      await ok(['publish', '--rules', v3, '-m', 'Business OS chat is Premium only'], { now: at(3 * HOUR) });
    });

    it('lists versions newest first, with author and message; * marks the active one', async () => {
      expect((await ok(['versions'])).split('\n')).toEqual([
        `  ${short(versions.v3)}  2026-03-15 15:00  pm-alice      Business OS chat is Premium only`,
        `  ${short(versions.v2)}  2026-03-15 14:00  bob           chat edits cost 0.75 cr`,
        `* ${short(versions.v1)}  2026-03-15 12:00  pm-alice      initial price list`,
      ]);
      const listed = JSON.parse(await ok(['versions', '--json'])) as Record<string, unknown>[];
      expect(listed.map((v) => [v.version, v.author, v.active, v.parentVersion])).toEqual([
        [versions.v3, 'pm-alice', false, versions.v1],
        [versions.v2, 'bob', false, versions.v1],
        [versions.v1, 'pm-alice', true, null],
      ]);
      // The files as written, paths relative to the rules directory.
      expect(listed[2].files).toEqual(['editing.test.yaml', 'editing.yaml', 'free.test.yaml', 'free.yaml', 'images.test.yaml', 'images.yaml', 'plans.yaml', 'requests.test.yaml', 'sites.test.yaml', 'sites.yaml', 'video.test.yaml', 'video.yaml']);
    });

    it('activates a version by a unique prefix', async () => {
      expect(await ok(['activate', versions.v2.slice(0, 8)], { now: at(4 * HOUR) })).toBe(`active: ${short(versions.v2)} (${versions.v2})`);
      expect((await ok(['versions'])).split('\n').map((l) => l.slice(0, 14))).toEqual([`  ${short(versions.v3)}`, `* ${short(versions.v2)}`, `  ${short(versions.v1)}`]);
    });

    it('refuses a version that does not exist, and a prefix that is not a version id', async () => {
      const usage = 'usage: ratecard activate <version> [--at ISO-TIME | --migrate-plan FROM=TO ...] [--force --reason "why"] [--dry-run]';
      expect(await ratecard(['activate', 'abcdef0'])).toEqual({ code: 2, stdout: '', stderr: `ratecard activate: no version \`abcdef0\`\n${usage}` });
      expect(await ratecard(['activate', 'HEAD'])).toEqual({ code: 2, stdout: '', stderr: `ratecard activate: \`HEAD\` is not a version name: give a version id, a prefix of at least 6 characters, \`active\` or \`previous\`\n${usage}` });
      expect(await ratecard(['activate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('activate needs one version: a version id') });
    });

    it('rolls back to the version active before, and rolling back again returns', async () => {
      expect(await ok(['rollback'], { now: at(5 * HOUR) })).toBe(`rolled back ${short(versions.v2)} → ${short(versions.v1)}; active: ${versions.v1}`);
      expect((await ok(['versions'])).split('\n')[2]).toMatch(new RegExp(`^\\* ${short(versions.v1)}`));
      // "The version before the current one" is the one just rolled back from.
      expect(await ok(['rollback'], { now: at(6 * HOUR) })).toBe(`rolled back ${short(versions.v1)} → ${short(versions.v2)}; active: ${versions.v2}`);
      await ok(['activate', short(versions.v1)], { now: at(7 * HOUR) });
    });

    it('records who published and activated what, in the audit trail', async () => {
      const db = await connect(url);
      try {
        const { items } = await new Audit(db).events({ limit: 50 });
        expect(items.reverse().map((e) => [e.createdAt, e.actor, e.event, short(e.target), (e.details as { reason?: string }).reason ?? ''])).toEqual([
          [NOW.toISOString(), 'cli:pm-alice', 'ruleset.publish', short(versions.v1), ''],
          [NOW.toISOString(), 'cli:pm-alice', 'ruleset.activate', short(versions.v1), 'publish'],
          [at(2 * HOUR).toISOString(), 'cli:pm-alice', 'ruleset.publish', short(versions.v2), ''],
          [at(3 * HOUR).toISOString(), 'cli:pm-alice', 'ruleset.publish', short(versions.v3), ''],
          [at(4 * HOUR).toISOString(), 'cli:pm-alice', 'ruleset.activate', short(versions.v2), 'activate'],
          [at(5 * HOUR).toISOString(), 'cli:pm-alice', 'ruleset.activate', short(versions.v1), 'rollback'],
          [at(6 * HOUR).toISOString(), 'cli:pm-alice', 'ruleset.activate', short(versions.v2), 'rollback'],
          [at(7 * HOUR).toISOString(), 'cli:pm-alice', 'ruleset.activate', short(versions.v1), 'activate'],
        ]);
      } finally {
        await db.close();
      }
    });
  });

  describe('diff', () => {
    let repo: string;
    beforeAll(async () => {
      // Already published when the suite runs in order; these make the block stand alone.
      for (const [dir, message] of [[v1, 'initial price list'], [v2, 'chat edits cost 0.75 cr'], [v3, 'Business OS chat is Premium only']]) await ok(['publish', '--rules', dir, '-m', message]);
      // A throwaway rules repository with two commits: the bundled rules, then the chat edit price change.
      repo = mkdtempSync(join(tmpdir(), 'ratecard-git-'));
      const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=PM', '-c', 'user.email=pm@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
      git('init', '-q');
      execFileSync('cp', ['-r', v1, join(repo, 'rules')]);
      git('add', 'rules');
      git('commit', '-q', '-m', 'price list');
      git('tag', 'launch');
      change(join(repo, 'rules'), 'editing.yaml', CHAT_EDIT, '{ rate: 0.75 cr/edit, label: Chat edit (surgical patch) }');
      git('commit', '-q', '-am', 'chat edits cost 0.75 cr');
    });
    afterAll(() => removeDir(repo));

    // A side named by its version is labelled by the version alone; other sides also show it.
    const label = (spec: string, version: string): string => (version.startsWith(spec) ? short(version) : `${spec} (${short(version)})`);
    const PRICE_TEXT = (from: string, to: string, before: string, after: string): string =>
      [
        `rule-set diff ${label(from, versions.v1)} → ${label(to, versions.v2)}`,
        '',
        'in short',
        '  pay more     every plan: chat.edit (+50%)',
        '  pay less     nobody',
        '  lose access  nobody',
        '  gain access  nobody',
        '',
        '1 rule change',
        '  price-increase  `chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)',
        `                  ${before}:10:20 → ${after}:10:20`,
        '',
        '3 of 501 plan × action × parameter cells changed, in 1 group',
        '  chat.edit, every plan: 0.5 cr → 0.75 cr (+50%), 3 cells',
      ].join('\n');

    it('between two directories', async () => {
      const [a, b] = [relative(REPO_ROOT, v1), relative(REPO_ROOT, v2)];
      expect(await ok(['diff', v1, v2])).toBe(PRICE_TEXT(v1, v2, `${a}/editing.yaml`, `${b}/editing.yaml`));
    });

    it('between two published versions, by prefix', async () => {
      expect(await ok(['diff', short(versions.v1), versions.v2.slice(0, 8)])).toBe(PRICE_TEXT(short(versions.v1), versions.v2.slice(0, 8), 'editing.yaml', 'editing.yaml'));
    });

    it('between two git revisions, read with git show', async () => {
      expect(await ok(['diff', 'HEAD~1', 'HEAD'], { cwd: repo })).toBe(PRICE_TEXT('HEAD~1', 'HEAD', 'HEAD~1:rules/editing.yaml', 'HEAD:rules/editing.yaml'));
      expect(await ok(['diff', 'launch', 'HEAD'], { cwd: repo })).toBe(PRICE_TEXT('launch', 'HEAD', 'launch:rules/editing.yaml', 'HEAD:rules/editing.yaml'));
    });

    it('mixing kinds: a published version, a git revision and a directory', async () => {
      expect(await ok(['diff', short(versions.v1), 'HEAD'], { cwd: repo })).toBe(PRICE_TEXT(short(versions.v1), 'HEAD', 'editing.yaml', 'HEAD:rules/editing.yaml'));
      expect(await ok(['diff', 'HEAD~1', 'rules'], { cwd: repo })).toBe(PRICE_TEXT('HEAD~1', 'rules', 'HEAD~1:rules/editing.yaml', 'rules/editing.yaml'));
      expect(await ok(['diff', v1, short(versions.v2)])).toBe(PRICE_TEXT(v1, short(versions.v2), `${relative(REPO_ROOT, v1)}/editing.yaml`, 'editing.yaml'));
    });

    it('with --cells, every cell after the groups', async () => {
      expect((await ok(['diff', short(versions.v1), short(versions.v2), '--cells'])).split('\n').slice(-6)).toEqual([
        '  chat.edit, every plan: 0.5 cr → 0.75 cr (+50%), 3 cells',
        '',
        'every changed cell',
        '  chat.edit  basic    (defaults)  0.5 cr → 0.75 cr',
        '  chat.edit  pro      (defaults)  0.5 cr → 0.75 cr',
        '  chat.edit  premium  (defaults)  0.5 cr → 0.75 cr',
      ]);
    });

    it('as Markdown for a review', async () => {
      expect(await ok(['diff', short(versions.v1), short(versions.v2), '--format', 'md', '--cells'])).toBe(
        [
          `## Rule-set diff ${short(versions.v1)} → ${short(versions.v2)}`,
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
          '',
          '### Cells that changed (3 of 501)',
          '',
          '| Action | Where | Change | Cells |',
          '|---|---|---|---|',
          '| `chat.edit` | every plan | 0.5 cr → 0.75 cr (+50%) | 3 |',
          '',
          '#### Every changed cell',
          '',
          '| Action | Plan | Parameters | Before | After |',
          '|---|---|---|---|---|',
          '| `chat.edit` | basic | (defaults) | 0.5 cr | 0.75 cr |',
          '| `chat.edit` | pro | (defaults) | 0.5 cr | 0.75 cr |',
          '| `chat.edit` | premium | (defaults) | 0.5 cr | 0.75 cr |',
          '',
        ].join('\n'),
      );
    });

    it('as JSON, with the guards it tripped', async () => {
      const where = { file: 'HEAD~1:rules/editing.yaml', line: 10, column: 20, path: 'actions["chat.edit"].price.rate' };
      const cell = (plan: string) => ({ action: 'chat.edit', plan, params: {}, before: { allowed: true, cost: 0.5, reasons: [] }, after: { allowed: true, cost: 0.75, reasons: [] } });
      const r = await ratecard(['diff', 'HEAD~1', 'HEAD', '--format', 'json', '--fail-on', 'price-increase'], { cwd: repo });
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout)).toMatchObject({
        from: versions.v1,
        to: versions.v2,
        identical: false,
        rules: [{ kind: 'price-increase', subject: 'chat.edit', summary: '`chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)', direction: 'tightened', before: where, after: { ...where, file: 'HEAD:rules/editing.yaml' }, from: 0.5, to: 0.75, percent: 50 }],
        cells: [cell('basic'), cell('pro'), cell('premium')],
        cellsCompared: 501,
        tripped: ['price-increase'],
        groups: [{ kind: 'price-increase', actions: ['chat.edit'], scope: {}, where: 'every plan', change: '0.5 cr → 0.75 cr (+50%)', percent: 50, percentRange: [50, 50], cells: 3, allowedBefore: 3, allowedAfter: 3, plans: ['basic', 'pro', 'premium'] }],
        summary: { payMore: ['every plan: chat.edit (+50%)'], payLess: [], loseAccess: [], gainAccess: [], other: [] },
      });
    });

    it('a gate change, in every format', async () => {
      const [a, b] = [short(versions.v1), short(versions.v3)];
      expect((await ok(['diff', a, b])).split('\n')).toEqual([
        `rule-set diff ${a} → ${b}`,
        '',
        'in short',
        '  pay more     nobody',
        '  pay less     nobody',
        '  lose access  Pro: business-os.chat',
        '  gain access  nobody',
        '',
        '1 rule change',
        '  gate-tightened  `business-os.chat`: Pro+ → Premium+',
        '                  editing.yaml:28:15 → editing.yaml:28:15',
        '',
        '1 of 501 plan × action × parameter cells changed, in 1 group',
        '  business-os.chat plan=pro: allowed → denied (PLAN_REQUIRED), 15 cr, 1 cell',
      ]);
      expect((await ok(['diff', a, b, '--format', 'md', '--cells'])).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Change') && !l.startsWith('| Action'))).toEqual([
        '| gate-tightened | `business-os.chat` | `business-os.chat`: Pro+ → Premium+ | editing.yaml:28:15 | editing.yaml:28:15 |',
        '| `business-os.chat` | plan=pro | allowed → denied (PLAN_REQUIRED), 15 cr | 1 |',
        '| `business-os.chat` | pro | (defaults) | 15 cr | denied 15 cr |',
      ]);
      const json = JSON.parse(await ok(['diff', a, b, '--format', 'json']));
      expect(json.rules.map((r: { kind: string; direction: string }) => [r.kind, r.direction])).toEqual([['gate-tightened', 'tightened']]);
      expect(json.cells).toEqual([{ action: 'business-os.chat', plan: 'pro', params: {}, before: { allowed: true, cost: 15, reasons: [] }, after: { allowed: false, cost: 15, reasons: ['PLAN_REQUIRED'] } }]);
      expect(json.tripped).toEqual([]);
    });

    it('an added action, from a directory to another', async () => {
      const added = copyRules();
      try {
        writeFileSync(join(added, 'audio.yaml'), 'actions:\n  audio.narrate:\n    name: Narration\n    price: 3 cr\n');
        const r = await ratecard(['diff', v1, added, '--fail-on', 'added']);
        expect(r.code).toBe(3);
        expect(r.stderr).toBe('diff: --fail-on added tripped');
        expect(r.stdout.split('\n').slice(2)).toEqual([
          'in short',
          '  pay more     nobody',
          '  pay less     nobody',
          '  lose access  nobody',
          '  gain access  every plan: audio.narrate (new)',
          '',
          '1 rule change',
          '  action-added  action `audio.narrate` added: 3 cr',
          `                (none) → ${relative(REPO_ROOT, added)}/audio.yaml:2:3`,
          '',
          '3 of 504 plan × action × parameter cells changed, in 1 group',
          '  audio.narrate, every plan: new: 3 cr, 3 cells',
        ]);
      } finally {
        removeDir(added);
      }
    });

    it('a comment-only and reformatted copy is no change, in every format, and trips nothing', async () => {
      const same = copyRules();
      try {
        change(same, 'editing.yaml', `    price: ${CHAT_EDIT}`, '    # half a credit\n    price:\n      label: Chat edit (surgical patch)\n      rate: "0.5 credits / edit"');
        const guards = ['--fail-on', 'tightened,loosened,price-increase,price-decrease,added,removed,any'];
        expect((await ok(['diff', v1, same, ...guards])).split('\n')).toEqual([`rule-set diff ${label(v1, versions.v1)} → ${same} (${short(versions.v1)})`, '', 'no changes: the rule sets mean the same (formatting, comments and key order do not count)']);
        expect((await ok(['diff', v1, same, '--format', 'md', ...guards])).split('\n')[2]).toBe('No changes: the rule sets mean the same (formatting, comments and key order do not count).');
        expect(JSON.parse(await ok(['diff', v1, same, '--format', 'json', ...guards]))).toEqual({ from: versions.v1, to: versions.v1, identical: true, rules: [], cells: [], cellsCompared: 0, groups: [], summary: { payMore: [], payLess: [], loseAccess: [], gainAccess: [], other: [] }, tripped: [] });
      } finally {
        removeDir(same);
      }
    });

    it('--fail-on exits 3 when a guard trips and 0 when none does', async () => {
      const [a, b, c] = [short(versions.v1), short(versions.v2), short(versions.v3)];
      const exit = async (...argv: string[]) => {
        const r = await ratecard(['diff', ...argv]);
        return [r.code, r.stderr];
      };
      expect(await exit(a, b, '--fail-on', 'tightened,price-increase')).toEqual([3, 'diff: --fail-on price-increase tripped']);
      expect(await exit(a, c, '--fail-on', 'tightened,price-increase')).toEqual([3, 'diff: --fail-on tightened tripped']);
      expect(await exit(a, b, '--fail-on', 'tightened')).toEqual([0, '']);
      expect(await exit(b, a, '--fail-on', 'tightened,price-increase')).toEqual([0, '']);
      expect(await exit(b, a, '--fail-on', 'price-decrease')).toEqual([3, 'diff: --fail-on price-decrease tripped']);
      expect(await exit(c, a, '--fail-on', 'loosened , any')).toEqual([3, 'diff: --fail-on loosened,any tripped']);
      expect(await exit(a, a, '--fail-on', 'any')).toEqual([0, '']);
    }, 30_000);

    it('a side that does not compile exits 1 with its diagnostics, as validate does', async () => {
      const r = await ratecard(['diff', v1, broken, '--fail-on', 'any']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n');
      expect(lines.filter((l) => /\.yaml:\d+:\d+: /.test(l))).toHaveLength(5);
      expect(lines.slice(-2)).toEqual(['5 errors', `ratecard diff: ${broken} does not compile`]);
    });

    it('usage errors exit 2', async () => {
      const [a, b] = [short(versions.v1), short(versions.v2)];
      expect(await ratecard(['diff', a, b, '--fail-on', 'cheaper'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard diff: --fail-on takes tightened, loosened, price-increase, price-decrease, added, removed, any; unknown: cheaper\n/) });
      expect(await ratecard(['diff', a, b, '--format', 'html'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard diff: --format is `text`, `md` or `json`, got `html`/) });
      expect(await ratecard(['diff', a, 'no-such-thing'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard diff: `no-such-thing` is not a directory, a published version or a git revision/) });
      expect(await ratecard(['diff', 'HEAD~1', 'HEAD'], { cwd: tmpdir() })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard diff: `HEAD~1` is not a directory, a published version or a git revision/) });
    });
  });

  describe('impact', () => {
    let db: Database;
    const caller: Caller = { actor: 'service:test' };
    const logged = async (): Promise<number> => (await new Audit(db).decisions({ limit: 1000 })).items.length;

    beforeAll(async () => {
      // A decision log built through the ledger, priced by the published v1, on a frozen clock.
      db = await connect(url);
      await db.migrate(); // already done by the CLI when the suite runs in order
      const ledger = new Ledger(db, new StaticRules(await compileBundled()));
      let keys = 0;
      const charge = async (accountId: string, action: string, when: Date, params: Record<string, unknown> = {}) => {
        try {
          await ledger.charge({ accountId, action, params }, `key-${++keys}`, when, caller);
        } catch (e) {
          if (!(e instanceof DecisionDenied)) throw e;
        }
      };
      await ledger.createAccount({ id: 'old', plan: 'basic' }, at(-45 * DAY), caller);
      await charge('old', 'chat.edit', at(-40 * DAY)); // outside a 30-day window
      await ledger.createAccount({ id: 'acme', plan: 'basic' }, at(-20 * DAY), caller);
      await ledger.createAccount({ id: 'studio', plan: 'pro' }, at(-20 * DAY), caller);
      for (let i = 0; i < 3; i++) await charge('acme', 'chat.edit', at(-10 * DAY + i * HOUR));
      await charge('acme', 'image.generate', at(-10 * DAY + 3 * HOUR)); // Seedream 4.5, 18 cr
      await ledger.quote({ accountId: 'acme', action: 'chat.edit' }, at(-9 * DAY), caller); // a quote moves no credits
      await charge('acme', 'business-os.chat', at(-9 * DAY)); // denied on Basic, and logged
      await charge('studio', 'business-os.chat', at(-5 * DAY));
      await charge('studio', 'business-os.chat', at(-5 * DAY + HOUR));
      await charge('studio', 'chat.edit', at(-5 * DAY + 2 * HOUR));
      // The ledger may write quote rows a few milliseconds after answering: wait for all ten.
      const deadline = Date.now() + 10_000;
      while ((await logged()) < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    });
    afterAll(() => db.close());

    it('replays the window under a price increase: credits before and after, per action and per plan', async () => {
      const before = await logged();
      expect(before).toBe(10);
      const r = await ratecard(['impact', '--candidate', v2, '--since', '30d']);
      expect(r).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          `impact of candidate ${short(versions.v2)} on 9 logged decisions from 2026-02-13T12:00:00.000Z to 2026-03-15T12:00:00.000Z`,
          '',
          'in short',
          '  accounts affected  2 of 2',
          '  charged credits    50 → 51 (+1, +2%)',
          '  pay more           basic: chat.edit (+0.75 cr over 3 charges)',
          '                     pro: chat.edit (+0.25 cr over 1 charge)',
          '  pay less           nobody',
          '  newly denied       nobody',
          '  newly allowed      nobody',
          '',
          '  outcome changes   0 (0 newly denied, 0 newly allowed)',
          '  repriced          5',
          '',
          'by action',
          '                    requests  changed  newly denied  newly allowed  repriced  credits before → after',
          '  business-os.chat         3        0             0              0         0  30 → 30 (+0)',
          '  chat.edit                5        0             0              0         5  2 → 3 (+1)',
          '  image.generate           1        0             0              0         0  18 → 18 (+0)',
          '',
          'by plan',
          '          requests  changed  newly denied  newly allowed  repriced  credits before → after',
          '  basic          6        0             0              0         4  19.5 → 20.25 (+0.75)',
          '  pro            3        0             0              0         1  30.5 → 30.75 (+0.25)',
        ].join('\n'),
      });
      expect(await logged()).toBe(before);
    });

    it('takes the window from --since', async () => {
      const report = JSON.parse(await ok(['impact', '--candidate', v2, '--since', '60d', '--format', 'json']));
      expect(report).toMatchObject({ window: { since: '2026-01-14T12:00:00.000Z', until: NOW.toISOString() }, requests: 10, repriced: 6, chargedBefore: 50.5, chargedAfter: 51.75 });
      expect(JSON.parse(await ok(['impact', '--candidate', v2, '--since', '7d', '--format', 'json']))).toMatchObject({ requests: 3, repriced: 1, chargedBefore: 30.5, chargedAfter: 30.75 });
    });

    it('names the accounts a tighter gate would newly deny', async () => {
      const report = JSON.parse(await ok(['impact', '--candidate', v3, '--format', 'json']));
      expect(report).toMatchObject({ candidateVersion: versions.v3, requests: 9, changedOutcome: 2, repriced: 0, chargedBefore: 50, chargedAfter: 20, newlyDeniedAccounts: [{ accountId: 'studio', requests: 2 }] });
      expect(report.byPlan).toEqual([
        { key: 'basic', requests: 6, changedOutcome: 0, newlyDenied: 0, newlyAllowed: 0, repriced: 0, chargedBefore: 19.5, chargedAfter: 19.5 },
        { key: 'pro', requests: 3, changedOutcome: 2, newlyDenied: 2, newlyAllowed: 0, repriced: 0, chargedBefore: 30.5, chargedAfter: 0.5 },
      ]);
      expect((await ok(['impact', '--candidate', v3])).split('\n').find((l) => l.startsWith('  newly denied'))).toBe('  newly denied       studio (2 requests)');
    });

    it('refuses a candidate that does not compile, and a bad window', async () => {
      const r = await ratecard(['impact', '--candidate', broken]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').pop()).toBe('5 errors');
      expect(await ratecard(['impact', '--candidate', v2, '--since', 'a month'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^ratecard impact: --since takes a duration such as `30d`/) });
    });
  });
});
