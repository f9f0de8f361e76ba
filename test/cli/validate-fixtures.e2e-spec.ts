import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ratecard } from '../support/cli-io';
import { REPO_ROOT } from '../support/rules';

// Each directory under test/fixtures/rules-broken is a small rule set with something wrong, and an
// expected.txt with the exact `file:line:col: code` lines `ratecard validate` must print for it.

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'rules-broken');
const fixtures = readdirSync(FIXTURES)
  .filter((name) => statSync(join(FIXTURES, name)).isDirectory())
  .sort();
const expected = (name: string): string[] => readFileSync(join(FIXTURES, name, 'expected.txt'), 'utf8').trim().split('\n');

/** `file:line:col: code` of a printed diagnostic line, or the line itself when it is not one. */
function where(line: string): string {
  const located = /^(.+?):(\d+):(\d+): (warning )?([a-z][a-z-]*): ./.exec(line);
  if (located) return `${located[1]}:${located[2]}:${located[3]}: ${located[4] ?? ''}${located[5]}`;
  const bare = /^([a-z][a-z-]*): ./.exec(line);
  return bare ? bare[1] : line;
}

describe('ratecard validate on broken rules', () => {
  it.each(fixtures)('%s: prints every error with its location, and exits 1', async (name) => {
    const want = expected(name);
    const { code, stdout, stderr } = await ratecard(['validate', '--rules', '.'], { cwd: join(FIXTURES, name) });

    expect(stderr).not.toContain('    at ');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.split('\n');
    // Diagnostics, then indented `see`/`hint` lines, then the count. Nothing else.
    const diagnostics = lines.filter((l) => !l.startsWith('  '));
    const summary = diagnostics.pop();
    expect(diagnostics.map(where)).toEqual(want);
    const errors = want.filter((w) => !w.includes(' warning ')).length;
    expect(summary).toMatch(new RegExp(`^${errors} errors?(, \\d+ warnings?)?$`));
  });

  it('has a fixture for YAML errors, schema violations and every semantic error code', () => {
    const codes = new Set(fixtures.flatMap((name) => expected(name).map((w) => w.split(': ').pop()!)));
    const required = [
      'yaml-syntax',
      'duplicate-key',
      'schema-unknown-field',
      'schema-required',
      'schema-format',
      'schema-type',
      'schema-enum',
      'schema-empty',
      'schema-range',
      'schema-duplicate',
      // libs/dsl
      'no-rule-files',
      'plans-redefined',
      'cycle-redefined',
      'duplicate-action',
      'missing-plans',
      'duplicate-plan',
      'negative-amount',
      'missing-price',
      'free-with-price',
      'conflicting-price',
      'reserved-param',
      'invalid-param-name',
      'mixed-values',
      'param-type-mismatch',
      'bounds-on-non-number',
      'empty-range',
      'default-not-allowed',
      'invalid-amount',
      'negative-rate',
      'price-shape',
      'unknown-action',
      'composite-cycle',
      'undeclared-param',
      'pass-conflict',
      'phase-value-not-allowed',
      'missing-phase-param',
      'composite-adjustment',
      'free-with-quota',
      'unknown-plan',
      'param-not-enumerated',
      'unknown-value',
      'missing-variant',
      'mixed-units',
      'unknown-unit',
      'missing-per',
      'per-without-meter',
      'meter-not-number',
      'meter-unbounded',
      'meter-negative',
      'duplicate-condition',
      'unknown-operator',
      'unknown-fact',
      'duplicate-pack',
      'empty-pack',
      'pack-without-validity',
      'invalid-price',
      'included-on-free-action',
      'low-balance-never',
      'unknown-group',
      'table-redefined',
      'promotion-window-empty',
      'invalid-date',
      'promotion-on-free-action',
      'promotion-on-composite',
      'discount-out-of-range',
      'promotion-raises-price',
      'duplicate-promotion',
      'overlapping-promotions',
      // libs/engine compile
      'action-unusable',
      'too-many-combinations',
    ];
    expect(required.filter((c) => !codes.has(c))).toEqual([]);
  });

  it('reports errors of two files at once, sorted by file and line', async () => {
    const { code, stderr } = await ratecard(['validate', '--rules', '.'], { cwd: join(FIXTURES, 'many-errors') });
    expect(code).toBe(1);
    const files = new Set(stderr.split('\n').filter((l) => /^\S+\.yaml:\d+:\d+: /.test(l)).map((l) => l.split(':')[0]));
    expect([...files]).toEqual(['actions.yaml', 'plans.yaml']);
    expect(stderr.split('\n').pop()).toBe('7 errors');
  });
});
