import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { ratecard } from '../support/cli-io';
import { copyRules, removeDir, REPO_ROOT, RULES_DIR } from '../support/rules';
import { ISSUE_CASES, ISSUE_SNIPPETS, issueRuleFiles } from '../support/v2-rules';

// Issue 10's snippets in a copy of rules/, through the CLI a PM uses: validate, test and quote.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratecard-v2-'));
  for (const f of issueRuleFiles().filter((f) => !f.path.endsWith('.test.yaml'))) {
    const path = join(dir, f.path.replace(/^rules\//, ''));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.text);
  }
  writeFileSync(join(dir, 'issue.test.yaml'), ISSUE_CASES);
});
afterAll(() => removeDir(dir));

const quote = (...args: string[]) => ratecard(['quote', '--rules', dir, ...args]);

describe('the issue snippets in a copy of rules/', () => {
  it('validate', async () => {
    const { code, stdout, stderr } = await ratecard(['validate', '--rules', dir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: 8 rule files, 20 actions, 3 plans; version [0-9a-f]{12}$/);
  });

  it('price as the issue states: every case passes', async () => {
    const { code, stdout } = await ratecard(['test', '--rules', dir, '--verbose']);
    expect(stdout).toMatch(/\n13 passed, 0 failed \(13 cases, rules [0-9a-f]{12}\)$/);
    expect(code).toBe(0);
  });

  it('a case that expects other alternatives fails and says what came out', async () => {
    const wrong = ISSUE_CASES.replace('params: { resolution: 1k }, cost: 18', 'params: { resolution: 2k }, cost: 18');
    writeFileSync(join(dir, 'issue.test.yaml'), wrong);
    try {
      const { code, stdout } = await ratecard(['test', '--rules', dir]);
      expect(code).toBe(1);
      expect(stdout).toContain(
        [
          '  alternatives:',
          '    want:',
          '      {"reason":"PLAN_REQUIRED","kind":"change-params","params":{"resolution":"2k"},"cost":18}',
          '      {"reason":"PLAN_REQUIRED","kind":"upgrade","plan":"premium","cost":36}',
          '    got:',
          '      {"reason":"PLAN_REQUIRED","kind":"change-params","params":{"resolution":"1k"},"cost":18}',
          '      {"reason":"PLAN_REQUIRED","kind":"upgrade","plan":"premium","cost":36}',
          '  reason PLAN_REQUIRED: resolution `4k` needs the Premium plan or higher',
        ].join('\n'),
      );
    } finally {
      writeFileSync(join(dir, 'issue.test.yaml'), ISSUE_CASES);
    }
  });
});

describe('ratecard quote --at', () => {
  it('prices at the time given: the sale, then the regular price', async () => {
    const sale = await quote('--plan', 'basic', '--action', 'video.generate', '--param', 'seconds=8', '--at', '2026-12-15T00:00Z');
    expect(sale.code).toBe(0);
    expect(sale.stdout).toBe(
      [
        'video.generate on Basic (balance 1,500 cr) at 2026-12-15T00:00:00.000Z: ALLOWED',
        '  cost     128 cr',
        '  receipt  Veo 3.1 Standard 32 cr/s × 8 s = 256  256',
        '           December video sale -50% = 128        -128',
        `  rules    ${sale.stdout.split('rules    ')[1]}`,
      ].join('\n'),
    );
    const after = await quote('--plan', 'basic', '--action', 'video.generate', '--at', '2027-01-01T00:00Z', '--json');
    expect(JSON.parse(after.stdout)).toMatchObject({ allowed: true, cost: 256 });
  });

  it('takes a date, or a time with an offset', async () => {
    const cost = async (at: string) => JSON.parse((await quote('--plan', 'basic', '--action', 'video.generate', '--at', at, '--json')).stdout).cost;
    expect(await cost('2026-12-01')).toBe(128);
    expect(await cost('2026-12-01T00:30:00+01:00')).toBe(256); // 23:30 UTC on 30 November
    expect(await cost('2026-11-30T23:59:59.999Z')).toBe(256);
  });

  it.each(['tomorrow', '2026-02-30', '2026-12-01T25:00Z', '2026-12-01T09:00', '1765000000'])('rejects --at %s with a usage error', async (at) => {
    const { code, stderr } = await quote('--plan', 'basic', '--action', 'video.generate', '--at', at);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^ratecard quote: --at takes an ISO time such as \`2026-12-15\` or \`2026-12-15T09:00Z\`, got \`${at}\``));
  });
});

describe('ratecard quote: denials show their options', () => {
  it('PLAN_REQUIRED: fewer parameters changed, or the plan that allows it (human)', async () => {
    const { code, stdout } = await quote('--plan', 'pro', '--action', 'image.generate', '--param', 'resolution=4k');
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 5)).toEqual([
      'image.generate on Pro (balance 5,000 cr): DENIED',
      '  cost     36 cr (what it would cost)',
      '  reasons  PLAN_REQUIRED: resolution `4k` needs the Premium plan or higher',
      '  options  resolution `1k` instead: 18 cr on Pro',
      '           upgrade to Premium: 36 cr as asked',
    ]);
  });

  it('PLAN_REQUIRED (--json): the decision as the API returns it', async () => {
    const d = JSON.parse((await quote('--plan', 'pro', '--action', 'image.generate', '--param', 'resolution=4k', '--json')).stdout);
    expect(d.alternatives).toEqual([
      { reason: 'PLAN_REQUIRED', kind: 'change-params', params: { resolution: '1k' }, cost: 18, costMillicredits: 18_000, message: 'resolution `1k` instead: 18 cr on Pro' },
      { reason: 'PLAN_REQUIRED', kind: 'upgrade', plan: 'premium', cost: 36, costMillicredits: 36_000, message: 'upgrade to Premium: 36 cr as asked' },
    ]);
  });

  it('INSUFFICIENT_CREDITS: the shortfall and the pack', async () => {
    const { stdout } = await quote('--plan', 'basic', '--action', 'image.generate', '--balance', '10');
    expect(stdout).toContain('  options  8 cr short: buy Boost 500 (500 cr, USD 9.99)');
    const d = JSON.parse((await quote('--plan', 'basic', '--action', 'image.generate', '--balance', '10', '--json')).stdout);
    expect(d.alternatives).toEqual([{ reason: 'INSUFFICIENT_CREDITS', kind: 'top-up', shortfall: 8, shortfallMillicredits: 8_000, pack: 'boost-500', message: '8 cr short: buy Boost 500 (500 cr, USD 9.99)' }]);
  });

  it('QUOTA_EXCEEDED: when the quota resets, with --cycle-end', async () => {
    const { stdout } = await quote('--plan', 'basic', '--action', 'site.generate', '--used', 'site.generate=2', '--cycle-end', '2026-04-01');
    expect(stdout).toContain('  options  the quota resets at the next billing date, 2026-04-01T00:00:00.000Z');
    const without = await quote('--plan', 'basic', '--action', 'site.generate', '--used', 'site.generate=2');
    expect(without.stdout).toContain('  options  the quota resets at the next billing date\n');
    const bad = await quote('--plan', 'basic', '--action', 'site.generate', '--cycle-end', 'soon');
    expect(bad.code).toBe(2);
  });

  it('included usage: the price, waived', async () => {
    const { stdout } = await quote('--plan', 'pro', '--action', 'prompt.enhance', '--used', 'prompt.enhance=3');
    expect(stdout.split('\n').slice(0, 4)).toEqual([
      'prompt.enhance on Pro (balance 5,000 cr): ALLOWED',
      '  cost     0 cr',
      '  receipt  Prompt enhancement 1 cr                1',
      '           included with Pro: 4 of 10 this cycle  -1',
    ]);
  });
});

describe('ratecard diff with a promotion added', () => {
  let sale: string;
  beforeAll(() => {
    sale = copyRules();
    writeFileSync(join(sale, 'promotions.yaml'), ISSUE_SNIPPETS.promotions + '\n');
  });
  afterAll(() => removeDir(sale));

  it('is a rule change with its dates; the cells change only inside the window', async () => {
    const { code, stdout, stderr } = await ratecard(['diff', RULES_DIR, sale]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.slice(2, 9)).toEqual([
      'in short',
      '  pay more     nobody',
      '  pay less     every plan: video.generate resolution=720p tier=standard,relaxed (-50%), 2026-12-01 to 2027-01-01',
      '               every plan: video.generate resolution=1080p,2k,4k (-50%), 2026-12-01 to 2027-01-01',
      '               every plan: site.generate and site.regenerate through their phases (-47.1% to -42.1%), 2026-12-01 to 2027-01-01',
      '  lose access  nobody',
      '  gain access  nobody',
    ]);
    expect(lines.slice(10, 13)).toEqual(['1 rule change', '  promotion-added  promotion December video sale added: 50% off Video generation, all plans, 2026-12-01 to 2027-01-01 (UTC)', `                   (none) → ${relative(REPO_ROOT, sale)}/promotions.yaml:2:5`]);
    expect(lines.slice(15)).toEqual([
      '  2026-12-01 to 2027-01-01: video.generate resolution=720p, tier=standard,relaxed, 1–8 s, every plan: -9.375 cr per 18.75 cr (-50%), 48 cells',
      '  2026-12-01 to 2027-01-01: video.generate resolution=1080p,2k,4k, 1–8 s, every plan and tier: -9.375 cr per 18.75 cr (-50%), 216 cells',
      '  2026-12-01 to 2027-01-01: site.generate and site.regenerate through their phases: -128 cr (-47.1% to -42.1%), 90 cells',
    ]);
  });

  it('as JSON: every changed cell carries the window, and --fail-on price-increase stays quiet', async () => {
    const { code, stdout } = await ratecard(['diff', RULES_DIR, sale, '--format', 'json', '--fail-on', 'price-increase']);
    expect(code).toBe(0);
    const diff = JSON.parse(stdout) as { cells: { from?: string; until?: string }[]; tripped: string[] };
    expect(diff.cells.length).toBe(354);
    expect(diff.cells.every((c) => c.from === '2026-12-01T00:00:00.000Z' && c.until === '2027-01-01T00:00:00.000Z')).toBe(true);
    expect(diff.tripped).toEqual([]);
  });
});
