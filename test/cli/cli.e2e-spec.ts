import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../apps/cli/src/cli';
import { captureIo, ratecard } from '../support/cli-io';
import { compileBundled, copyRules, NOW, REPO_ROOT, removeDir } from '../support/rules';

// `ratecard` run in-process through run(argv, io), from the repository root, with a frozen clock.

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('ratecard validate', () => {
  it('exits 0 for the bundled rules and says what it checked', async () => {
    const { code, stdout, stderr } = await ratecard(['validate']);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^ok: 6 rule files, 20 actions, 3 plans; version [0-9a-f]{12}$/);
    expect(stdout).toContain((await compileBundled()).version.slice(0, 12));
    expect(code).toBe(0);
  });

  it('takes --rules relative to the working directory', async () => {
    const { code, stdout } = await ratecard(['validate', '--rules', '.'], { cwd: join(REPO_ROOT, 'rules') });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: 6 rule files/);
  });

  it('exits 1 with a located diagnostic, not a stack trace, for a directory that does not exist', async () => {
    const { code, stdout, stderr } = await ratecard(['validate', '--rules', 'no/such/dir']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('no/such/dir:1:1: unreadable-rules: rules directory `no/such/dir` does not exist\n1 error');
  });

  it('exits 1 and shows file:line:col for broken rules', async () => {
    const { code, stderr } = await ratecard(['validate', '--rules', 'test/fixtures/rules-broken/unknown-plan']);
    expect(code).toBe(1);
    expect(stderr).toBe('test/fixtures/rules-broken/unknown-plan/actions.yaml:4:15: unknown-plan: `gold+` names no plan on the ladder (at actions["business-os.chat"].requires)\n  hint: plans are `basic`, `pro`, `premium`\n1 error');
  });
});

describe('ratecard quote', () => {
  it('prints an allowed decision with its receipt', async () => {
    const { code, stdout, stderr } = await ratecard(['quote', '--plan', 'premium', '--action', 'video.generate', '--param', 'resolution=2k']);
    const version = (await compileBundled()).version.slice(0, 12);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      'video.generate on Premium (balance 15,000 cr): ALLOWED',
      '  cost     512 cr',
      '  receipt  Veo 3.1 Standard 32 cr/s × 8 s = 256  256',
      '           2K ×2 = 512                           +256',
      '  assumed  Premium allowance: the Credits Reference gives no Premium allowance; 15,000 cr is a placeholder until billing confirms it',
      `  rules    ${version}`,
    ]);
    expect(code).toBe(0);
  });

  it('prints a denial with its reasons and what it would cost, and still exits 0', async () => {
    const { code, stdout } = await ratecard(['quote', '--plan', 'basic', '--action', 'business-os.chat']);
    expect(stdout.split('\n').slice(0, 3)).toEqual([
      'business-os.chat on Basic (balance 1,500 cr): DENIED',
      '  cost     15 cr (what it would cost)',
      '  reasons  PLAN_REQUIRED: `business-os.chat` needs the Pro plan or higher',
    ]);
    expect(code).toBe(0);
  });

  it('says a request on a plan the rules do not have cannot be priced, instead of 0 cr', async () => {
    const { code, stdout } = await ratecard(['quote', '--plan', 'enterprise', '--action', 'chat.edit']);
    expect(stdout.split('\n').slice(0, 3)).toEqual([
      'chat.edit on enterprise (balance 0 cr): DENIED',
      '  cost     — (cannot be priced)',
      "  reasons  PLAN_REQUIRED: the account's plan `enterprise` is not on the plan ladder of this rule set",
    ]);
    expect(code).toBe(0);
  });

  it('prints the decision as JSON with --json, cost exact in credits', async () => {
    const { code, stdout } = await ratecard(['quote', '--plan', 'basic', '--action', 'chat.edit', '--json']);
    expect(json(stdout)).toEqual({
      allowed: true,
      cost: 0.5,
      costMillicredits: 500,
      exempt: false,
      requiresConfirmation: false,
      reasons: [],
      breakdown: [{ label: 'Chat edit (surgical patch) 0.5 cr/edit', credits: 0.5, rule: 'chat.edit/rate' }],
      rulesetVersion: (await compileBundled()).version,
    });
    expect(code).toBe(0);
  });

  it('types --param values by the declaration: seconds are numbers, models are text', async () => {
    const relaxed = json((await ratecard(['quote', '--plan', 'pro', '--action', 'video.generate', '--param', 'tier=relaxed', '--param', 'seconds=3', '--json'])).stdout);
    // 18.75 cr/s × 3 s
    expect([relaxed.allowed, relaxed.cost]).toEqual([true, 56.25]);
    const upscale = json((await ratecard(['quote', '--plan', 'pro', '--action', 'image.upscale', '--param', 'factor=4', '--json'])).stdout);
    expect([upscale.allowed, upscale.cost]).toEqual([true, 4]);
    const words = json((await ratecard(['quote', '--plan', 'pro', '--action', 'video.generate', '--param', 'seconds=eight', '--json'])).stdout);
    expect(words.reasons).toEqual([{ code: 'INVALID_PARAMS', message: '`seconds`: `eight` is not a whole number' }]);
  });

  it('uses the plan allowance as the balance unless --balance is given', async () => {
    const plenty = json((await ratecard(['quote', '--plan', 'basic', '--action', 'image.generate', '--json'])).stdout);
    expect(plenty.allowed).toBe(true);
    const short = await ratecard(['quote', '--plan', 'basic', '--action', 'image.generate', '--balance', '17.5']);
    expect(short.stdout).toContain('image.generate on Basic (balance 17.5 cr): DENIED');
    expect(short.stdout).toContain('INSUFFICIENT_CREDITS: costs 18 credits and the balance is 17.5');
    expect(short.code).toBe(0);
  });

  it('counts --used against the cycle quota', async () => {
    const second = json((await ratecard(['quote', '--plan', 'basic', '--action', 'site.generate', '--used', 'site.generate=1', '--json'])).stdout);
    expect(second.allowed).toBe(true);
    const third = json((await ratecard(['quote', '--plan', 'basic', '--action', 'site.generate', '--used', 'site.generate=2', '--used', 'chat.edit=40', '--json'])).stdout);
    expect([third.allowed, third.cost, (third.reasons as { code: string }[]).map((r) => r.code)]).toEqual([false, 282, ['QUOTA_EXCEEDED']]);
  });

  it('needs --confirm for the full-regeneration fallback', async () => {
    const unconfirmed = await ratecard(['quote', '--plan', 'pro', '--action', 'site.regenerate']);
    expect(unconfirmed.stdout).toContain('DENIED');
    expect(unconfirmed.stdout).toContain('  confirm  required\n');
    expect(unconfirmed.stdout).toContain('CONFIRMATION_REQUIRED: this change cannot be made as a patch');
    const confirmed = await ratecard(['quote', '--plan', 'pro', '--action', 'site.regenerate', '--confirm']);
    expect(confirmed.stdout).toContain('site.regenerate on Pro (balance 5,000 cr): ALLOWED');
    expect(confirmed.stdout).toContain('  confirm  required (confirmed)');
    expect(confirmed.code).toBe(0);
  });

  it('shows a free action as exempt', async () => {
    const { stdout } = await ratecard(['quote', '--plan', 'basic', '--action', 'site.download', '--balance', '0']);
    expect(stdout).toContain('site.download on Basic (balance 0 cr): ALLOWED');
    expect(stdout).toContain('  cost     free (exempt)');
  });

  it('prints a decision for an unknown action or plan, and exits 0', async () => {
    const action = await ratecard(['quote', '--plan', 'basic', '--action', 'image.generat', '--json']);
    expect(json(action.stdout).reasons).toEqual([{ code: 'UNKNOWN_ACTION', message: 'unknown action `image.generat`' }]);
    expect(action.code).toBe(0);
    const plan = await ratecard(['quote', '--plan', 'gold', '--action', 'chat.edit', '--balance', '10', '--json']);
    expect((json(plan.stdout).reasons as { code: string }[]).map((r) => r.code)).toEqual(['PLAN_REQUIRED']);
    expect(plan.code).toBe(0);
  });

  it('exits 1 without a decision when the rules are broken', async () => {
    const { code, stdout, stderr } = await ratecard(['quote', '--plan', 'basic', '--action', 'chat.edit', '--rules', 'test/fixtures/rules-broken/negative-rate']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('actions.yaml:4:12: negative-rate');
  });
});

describe('ratecard test', () => {
  let dir: string;
  beforeEach(() => {
    dir = copyRules();
  });
  afterEach(() => removeDir(dir));

  it('exits 1 and shows want and got for a failing case', async () => {
    appendFileSync(
      join(dir, 'images.test.yaml'),
      "  - { note: 'Seedream at 19 cr (wrong on purpose)', plan: basic, action: image.generate, want: { allowed: true, cost: 19, reasons: [PLAN_REQUIRED] } }\n",
    );
    const { code, stdout } = await ratecard(['test', '--rules', '.'], { cwd: dir });
    const lines = stdout.split('\n');
    const fail = lines.findIndex((l) => l.startsWith('FAIL '));
    expect(lines[fail]).toMatch(/^FAIL images\.test\.yaml:\d+:5 Seedream at 19 cr \(wrong on purpose\)$/);
    expect(lines.slice(fail + 1, fail + 3)).toEqual(['  cost: want 19, got 18', '  reasons: want PLAN_REQUIRED, got (none)']);
    expect(lines.filter((l) => l.startsWith('FAIL '))).toHaveLength(1);
    expect(lines[lines.length - 1]).toMatch(/^\d+ passed, 1 failed \(\d+ cases, rules [0-9a-f]{12}\)$/);
    expect(code).toBe(1);
  });

  it('lists passing cases with --verbose', async () => {
    const { code, stdout } = await ratecard(['test', '--rules', '.', '--verbose'], { cwd: dir });
    expect(stdout).toMatch(/^PASS editing\.test\.yaml:7:5 a chat edit costs half a credit, exactly$/m);
    expect(code).toBe(0);
  });

  it('exits 1 with the location of a malformed case', async () => {
    appendFileSync(join(dir, 'video.test.yaml'), '  - { note: no plan, action: video.generate, want: { cost: 256 } }\n');
    const { code, stdout, stderr } = await ratecard(['test', '--rules', '.'], { cwd: dir });
    expect(stderr).toMatch(/^video\.test\.yaml:\d+:5: schema-required: missing required field `plan`/);
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });

  it('exits 1 when the rules are broken', async () => {
    const { code, stdout, stderr } = await ratecard(['test', '--rules', 'test/fixtures/rules-broken/unknown-plan']);
    expect(stderr).toContain('actions.yaml:4:15: unknown-plan');
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });

  it('exits 1 when there are no cases', async () => {
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.test.yaml'))) rmSync(join(dir, f));
    const { code, stderr } = await ratecard(['test', '--rules', '.'], { cwd: dir });
    expect(stderr).toBe('no cases found: write expected results in `*.test.yaml` files next to the rules');
    expect(code).toBe(1);
  });
});

describe('ratecard table', () => {
  it('prints the customer price list as Markdown by default: prices, notes, no ids or assumption marks', async () => {
    const { code, stdout } = await ratecard(['table']);
    expect(stdout).toContain('| Full site generation | 272–304 cr | The 3D builder pipeline, hero image + motion video + HTML assembly + frame extraction; Hero image 8–40 cr + Motion video 256 cr + Site HTML assembly 8 cr + Frame extraction free; Basic: 2 per billing cycle |');
    expect(stdout).toContain('| Pro | 5,000 cr | No limits |');
    expect(stdout).not.toContain('## Assumptions');
    expect(code).toBe(0);
  });

  it('keeps ids, conditions and assumptions with --audience internal', async () => {
    const { code, stdout } = await ratecard(['table', '--audience', 'internal']);
    expect(stdout).toContain('| Full site generation | `site.generate` | 272–304 cr | all plans | sum of its phases: Hero image 8–40 cr + Motion video 256 cr + Site HTML assembly 8 cr + Frame extraction free; Basic: 2 per billing cycle |');
    expect(stdout).toContain('| Pro | 5,000 cr [1] | — |');
    expect(stdout).toContain('- [2] Premium allowance: the Credits Reference gives no Premium allowance; 15,000 cr is a placeholder until billing confirms it');
    expect(code).toBe(0);
  });

  it('prints the price list as JSON with --format json, and as one HTML page with --format html', async () => {
    const { code, stdout } = await ratecard(['table', '--format', 'json']);
    const table = JSON.parse(stdout) as { sections: { rows: { action: string; range: unknown; assumptions: number[] }[] }[]; assumptions: { text: string }[] };
    const rows = table.sections.flatMap((g) => g.rows);
    expect(rows.find((r) => r.action === 'site.generate')?.range).toEqual({ min: 272, max: 304 });
    expect(table.assumptions).toHaveLength(6);
    expect(rows.find((r) => r.action === 'video.extend')?.assumptions).toHaveLength(1);
    expect(code).toBe(0);
    const html = await ratecard(['table', '--format', 'html']);
    expect([html.code, html.stdout.split('\n').slice(0, 2)]).toEqual([0, ['<!doctype html>', '<html lang="en">']]);
  });
});

describe('usage errors', () => {
  it.each<[string, string[], RegExp]>([
    ['no command', [], /^usage: ratecard <command>/],
    ['an unknown command', ['frobnicate'], /^ratecard: unknown command `frobnicate`/],
    ['quote without --plan', ['quote', '--action', 'chat.edit'], /^ratecard quote: quote needs --plan and --action\nusage: ratecard quote /],
    ['an unknown option', ['quote', '--plan', 'basic', '--action', 'chat.edit', '--cheap'], /^ratecard quote: .*--cheap/],
    ['a --param without `=`', ['quote', '--plan', 'basic', '--action', 'chat.edit', '--param', 'seconds'], /^ratecard quote: --param takes `name=value`, got `seconds`/],
    ['a --used without a count', ['quote', '--plan', 'basic', '--action', 'chat.edit', '--used', 'site.generate'], /^ratecard quote: --used takes `action=count`/],
    ['a --balance finer than a millicredit', ['quote', '--plan', 'basic', '--action', 'chat.edit', '--balance', '0.0001'], /^ratecard quote: --balance takes credits/],
    ['a negative --balance', ['quote', '--plan', 'basic', '--action', 'chat.edit', '--balance=-5'], /^ratecard quote: --balance takes credits/],
    ['a --balance that looks like an option', ['quote', '--plan', 'basic', '--action', 'chat.edit', '--balance', '-5'], /^ratecard quote: Option '--balance' argument is ambiguous/],
    ['an unknown table format', ['table', '--format', 'xml'], /^ratecard table: --format is `md`, `html` or `json`, got `xml`/],
    ['an unknown audience', ['table', '--audience', 'press'], /^ratecard table: --audience is `customer` or `internal`, got `press`/],
    ['a stray argument', ['validate', 'rules'], /^ratecard validate: /],
  ])('exits 2 for %s', async (_, argv, message) => {
    const io = captureIo();
    const code = await run(argv, io);
    const text = argv.length === 0 ? io.stdout.join('\n') : io.stderr.join('\n');
    expect(text).toMatch(message);
    expect(text).not.toContain('    at ');
    expect(code).toBe(2);
  });

  it('prints help for a command with --help and exits 0', async () => {
    const { code, stdout } = await ratecard(['quote', '--help']);
    expect(stdout).toMatch(/^usage: ratecard quote --plan P --action A/);
    expect(code).toBe(0);
  });

  it('reads the clock from its io', async () => {
    const io = captureIo({ now: NOW });
    expect(io.now()).toEqual(NOW);
    expect(await run(['validate'], io)).toBe(0);
  });
});
