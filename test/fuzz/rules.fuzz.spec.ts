import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadRuleSet, type Diagnostic, type SourceFile } from '@ratecard/dsl';
import { compileSources } from '@ratecard/engine';
import { ratecard } from '../support/cli-io';
import { readRuleFiles, removeDir } from '../support/rules';
import { issueRuleFiles } from '../support/v2-rules';
import { runs } from './runs';

// The validator never falls over: random YAML documents, rule-shaped documents with junk in every
// field, and mutations of the real rules/ files all come back as diagnostics, each with a location,
// from `loadRuleSet` and `compileSources`; `ratecard validate` prints them and never a stack trace.
// Run counts keep the file to a few seconds.

const REAL = readRuleFiles().filter((f) => !/\.test\.ya?ml$/.test(f.path));

/**
 * The one diagnostic that has no location: a rule set with no rule file at all (nothing to point
 * at). Every file set generated here has at least one rule file, so it never shows up.
 */
const UNLOCATED = new Set(['no-rule-files']);

/** Every diagnostic is well formed and points into one of the files it was given. */
function expectWellFormed(diagnostics: readonly Diagnostic[], files: readonly SourceFile[]): void {
  const paths = new Set(files.map((f) => f.path));
  for (const d of diagnostics) {
    const problem = (what: string): string => `${what}: ${JSON.stringify(d)}`;
    if (d.severity !== 'error' && d.severity !== 'warning') throw new Error(problem('bad severity'));
    if (!/^[a-z][a-z0-9-]*$/.test(d.code)) throw new Error(problem('the code is not kebab-case'));
    if (typeof d.message !== 'string' || d.message.trim() === '') throw new Error(problem('no message'));
    if (d.message.includes('[object Object]')) throw new Error(problem('the message shows an internal value'));
    if (UNLOCATED.has(d.code)) continue;
    const at = d.location;
    if (!at) throw new Error(problem('no location'));
    if (!paths.has(at.file)) throw new Error(problem('the location is not one of the files'));
    if (!Number.isInteger(at.line) || at.line < 1 || !Number.isInteger(at.column) || at.column < 1) throw new Error(problem('the line or column is not a position'));
    if (typeof at.path !== 'string') throw new Error(problem('the YAML path is not a string'));
  }
}

/** Loads and compiles; neither may throw, and every diagnostic of both is well formed. */
async function expectDiagnosticsOnly(files: readonly SourceFile[]): Promise<void> {
  let loaded: ReturnType<typeof loadRuleSet>;
  try {
    loaded = loadRuleSet(files);
  } catch (e) {
    throw new Error(`loadRuleSet threw ${(e as Error)?.stack ?? String(e)}`);
  }
  expectWellFormed(loaded.diagnostics, files);
  let compiled: Awaited<ReturnType<typeof compileSources>>;
  try {
    compiled = await compileSources(files);
  } catch (e) {
    throw new Error(`compileSources threw ${(e as Error)?.stack ?? String(e)}`);
  }
  expectWellFormed(compiled.diagnostics, files);
  if (!compiled.compiled && !compiled.diagnostics.some((d) => d.severity === 'error')) throw new Error('compileSources returned nothing and no error');
}

// ------------------------------------------------------------------ documents

/** Odd values where the rules expect amounts, numbers or names. */
const ODD = ['-1', '1e309', '-1e309', '0.0001', 'NaN', '.nan', '.inf', '-0', '1e-400', '99999999999999999999', '0x1F', '1,,0', '∞', '', '~', 'null', 'true', '1_000', '½'];
const oddText = fc.constantFrom(...ODD);
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 8 }), oddText);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(Number.MAX_SAFE_INTEGER + 2),
  fc.jsonValue({ maxDepth: 2 }),
);
const knownId = fc.constantFrom('basic', 'pro', 'premium', 'image.generate', 'video.generate', 'site.generate', 'chat.edit', 'seconds', 'model', 'resolution', 'tier', 'plan', 'now', 'standard', 'flux-pro');
const id = fc.oneof(knownId, text);
const gate = fc.oneof(fc.constantFrom('pro+', 'premium+', 'basic', 'nope+', '+', 'basic+'), junk);
const amount = fc.oneof(
  fc.constantFrom('1,500 cr', '0.5 cr', '18.75 cr/sec', '15 cr/msg', '8 cr', '0 cr', '-1 cr', '1e309 cr', '0.0001 cr', 'NaN cr', 'cr', '1,5,0 cr', '9999999999999999999 cr', '2 cr/s', '1 cr/nope'),
  oddText.map((t) => `${t} cr`),
  fc.integer(),
  fc.double(),
  junk,
);
const values = fc.array(fc.oneof(knownId, fc.string({ maxLength: 6 }), fc.integer({ min: -2, max: 10 }), fc.boolean()), { maxLength: 4 });
const param = fc.oneof(
  fc.record({ values, default: junk }, { requiredKeys: [] }),
  fc.record(
    {
      type: fc.oneof(fc.constantFrom('integer', 'number', 'string', 'boolean'), text),
      min: fc.oneof(fc.integer({ min: -5, max: 10 }), junk),
      max: fc.oneof(fc.integer({ min: -5, max: 10 }), fc.constant(1e9), junk),
      default: junk,
      unit: fc.oneof(fc.constantFrom('s', 'msg'), text),
    },
    { requiredKeys: [] },
  ),
  junk,
);
const planRates = fc.oneof(fc.dictionary(id, amount, { maxKeys: 3 }), junk);
const variant = fc.oneof(amount, fc.record({ rate: amount, label: text, requires: gate, assumption: text, plans: planRates, note: text }, { requiredKeys: [] }));
const price = fc.oneof(
  amount,
  fc.record({ rate: amount, per: id, label: text, assumption: text, by: id, plans: planRates, variants: fc.dictionary(id, variant, { maxKeys: 3 }) }, { requiredKeys: [] }),
);
/** Instants, well formed or not. */
const instant = fc.oneof(fc.constantFrom('2026-12-01', '2027-01-01', '2026-12-15T09:30Z', '2026-02-30', '2026-12-01T09:00', '2026-13-01', '2026-12-01T24:00Z'), junk);
/** Condition trees, well formed or not at any depth. */
const tree = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ fact: id, operator: fc.oneof(fc.constantFrom('equal', 'notEqual', 'in', 'notIn', 'greaterThan', 'planAtLeast', 'not:equal', 'swap:in', 'bogus'), text), value: junk }, { requiredKeys: [] }),
    fc.record({ all: fc.oneof(fc.array(tie('tree'), { maxLength: 3 }), junk) }),
    fc.record({ any: fc.oneof(fc.array(tie('tree'), { maxLength: 2 }), junk) }),
    fc.record({ not: tie('tree') }),
    junk,
  ),
})).tree;
const condition = fc.record(
  {
    id,
    label: text,
    when: tree,
    requires: gate,
    deny: fc.oneof(text, fc.record({ code: fc.oneof(fc.constantFrom('INVALID_PARAMS', 'PLAN_REQUIRED'), text), message: text }, { requiredKeys: [] })),
    message: text,
    multiply: fc.oneof(fc.constantFrom('2x', '-1x'), junk),
    add: amount,
    assumption: text,
  },
  { requiredKeys: [] },
);
const action = fc.record(
  {
    name: text,
    group: text,
    description: text,
    note: text,
    requires: gate,
    free: text,
    confirm: fc.oneof(text, fc.boolean()),
    params: fc.oneof(fc.dictionary(id, param, { maxKeys: 3 }), junk),
    price,
    multipliers: fc.array(
      fc.record(
        { by: id, label: text, values: fc.dictionary(id, fc.oneof(fc.record({ factor: fc.oneof(fc.constantFrom('2x', '0.5x', '-1x', 'x', '1e309x', '0x'), junk), label: text, requires: gate }, { requiredKeys: [] }), junk), { maxKeys: 3 }) },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
    conditions: fc.array(condition, { maxLength: 2 }),
    phases: fc.array(fc.record({ label: text, action: id, pass: fc.array(id, { maxLength: 2 }), with: fc.dictionary(id, junk, { maxKeys: 2 }) }, { requiredKeys: [] }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const counts = fc.oneof(fc.dictionary(id, fc.oneof(fc.nat({ max: 5 }), junk), { maxKeys: 2 }), junk);
const plan = fc.record({ id, name: text, allowance: amount, quotas: counts, included: counts, assumption: text }, { requiredKeys: [] });
const promotion = fc.record(
  {
    id,
    label: text,
    from: instant,
    until: instant,
    actions: fc.oneof(fc.array(id, { maxLength: 3 }), junk),
    variants: fc.oneof(fc.array(fc.oneof(id, fc.integer({ min: 0, max: 4 })), { maxLength: 3 }), junk),
    plans: fc.oneof(fc.array(id, { maxLength: 3 }), gate),
    discount: fc.oneof(fc.constantFrom('50%', '0%', '100%', '150%', '12.5%', '12.55%', 'half'), junk),
    rate: amount,
    note: text,
  },
  { requiredKeys: [] },
);
const pack = fc.record(
  {
    id,
    name: text,
    credits: amount,
    valid: fc.oneof(fc.constantFrom('90 days', '1 day', '0 days', 'never', '3 months'), junk),
    price: fc.oneof(fc.constantFrom('USD 9.99', 'USD 9.999', 'JPY 1.5', 'EUR 1,299.50', '9.99'), junk),
    note: text,
  },
  { requiredKeys: [] },
);
const cycle = fc.record(
  {
    period: fc.oneof(fc.constantFrom('monthly', 'weekly'), junk),
    unused: fc.oneof(fc.constantFrom('expire', 'roll-over'), junk),
    upgrade: fc.oneof(fc.constantFrom('carry-over', 'expire'), junk),
    upgradeGrant: fc.oneof(fc.constantFrom('full', 'difference'), junk),
    downgrade: fc.oneof(fc.constantFrom('next-cycle', 'immediate'), junk),
  },
  { requiredKeys: [] },
);
/** A document shaped like a rule file, with junk anywhere. */
const ruleDocument = fc.record(
  {
    plans: fc.oneof(fc.array(plan, { maxLength: 3 }), junk),
    cycle: fc.oneof(cycle, junk),
    actions: fc.oneof(fc.dictionary(id, action, { maxKeys: 3 }), junk),
    promotions: fc.oneof(fc.array(promotion, { maxLength: 3 }), junk),
    packs: fc.oneof(fc.array(pack, { maxLength: 2 }), junk),
    table: fc.oneof(fc.record({ sections: fc.oneof(fc.array(text, { maxLength: 3 }), junk) }, { requiredKeys: [] }), junk),
    extra: junk,
  },
  { requiredKeys: [] },
);

const fileName = fc.oneof(fc.constantFrom('plans.yaml', 'actions.yaml', 'b.yml', 'x.YAML', 'cases.test.yaml', 'deep/dir/c.yaml'), fc.string({ maxLength: 6 }).map((s) => `${s}.yaml`));

/** One to three files rendered from documents, sometimes beside the real plans.yaml. */
function fileSet(document: fc.Arbitrary<unknown>): fc.Arbitrary<SourceFile[]> {
  return fc
    .tuple(fc.array(fc.tuple(fileName, document), { minLength: 1, maxLength: 3 }), fc.boolean())
    .map(([docs, withPlans]) => {
      const files: SourceFile[] = docs.map(([path, doc], i) => ({ path: `rules/${i}-${path}`, text: stringify(doc) }));
      if (!files.some((f) => !/\.test\.ya?ml$/i.test(f.path))) files.push({ path: 'rules/z.yaml', text: stringify(docs[0][1]) });
      if (withPlans) files.push(REAL.find((f) => f.path.endsWith('plans.yaml'))!);
      return files;
    });
}

// ------------------------------------------------------------------ mutations of the real files

/** A YAML text that defeats a parser without a limit: a billion laughs. */
const ALIAS_BOMB = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]'];

type Mutation =
  | { kind: 'delete' | 'duplicate' | 'indent' | 'dedent' | 'tab' | 'truncate'; at: number }
  | { kind: 'swap'; at: number; other: number }
  | { kind: 'number' | 'value' | 'key' | 'insert' | 'yaml'; at: number; with: string };

const LONG = ['x'.repeat(5000), '\u{1F600}'.repeat(500), 'ä'.repeat(2000), '"' + 'y'.repeat(3000) + '"'];
const YAML_SPECIALS = [
  ...ALIAS_BOMB,
  'plans: *nowhere',
  'x: &self [*self]',
  'plans: &p\n  - id: basic\n    quotas: *p',
  'actions:\n  loop:\n    price: 1 cr\n    conditions:\n      - id: c\n        when: &w\n          not: *w\n        deny: no',
  '<<: *resolution',
  '? [complex, key]\n: value',
  '!!binary aGVsbG8=',
  'x: !!js/function "function () {}"',
  'x: !custom tag',
  '---',
  '...',
  '%YAML 1.1',
  '\uFEFFplans: []',
  'x: "unterminated',
  "x: 'single",
  'x: |\n  block\n text',
  'x: >-',
  '- a\nb: c',
  '{ a: 1, b: [2, 3 }',
  '&anchor',
  '*alias',
  'x: [' + '['.repeat(200),
  'k: ' + '{a: '.repeat(100) + '1' + '}'.repeat(100),
];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'duplicate', 'indent', 'dedent', 'tab', 'truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap'), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('number'), at: fc.nat(), with: oddText }),
  fc.record({ kind: fc.constant('value'), at: fc.nat(), with: fc.oneof(oddText, fc.constantFrom(...LONG), fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('*resolution', '*hi-res-output', '*nope', '&a', '[]', '{}', '- x', 'null')) }),
  fc.record({ kind: fc.constant('key'), at: fc.nat(), with: fc.oneof(knownId, fc.constantFrom('plans', 'actions', 'cycle', 'price', 'params', 'variants', 'rate', 'requires', 'free', 'phases', 'promotions', 'packs', 'included', 'from', 'until', 'discount', 'valid', '<<', '? x', '"quoted"'), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant('insert'), at: fc.nat(), with: fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom(...LONG)) }),
  fc.record({ kind: fc.constant('yaml'), at: fc.nat(), with: fc.constantFrom(...YAML_SPECIALS) }),
);

const NUMBER = /-?\d[\d,._]*(?:e[+-]?\d+)?/i;

/** Applies one mutation to a file's lines. */
function mutate(source: string, m: Mutation): string {
  if (m.kind === 'truncate') return source.slice(0, m.at % (source.length + 1));
  const lines = source.split('\n');
  const i = m.at % lines.length;
  const line = lines[i];
  switch (m.kind) {
    case 'delete':
      lines.splice(i, 1);
      break;
    case 'duplicate':
      lines.splice(i, 0, line);
      break;
    case 'indent':
      lines[i] = '  ' + line;
      break;
    case 'dedent':
      lines[i] = line.replace(/^ {1,3}/, '');
      break;
    case 'tab':
      lines[i] = '\t' + line;
      break;
    case 'swap': {
      const j = m.other % lines.length;
      [lines[i], lines[j]] = [lines[j], line];
      break;
    }
    case 'number': {
      // The first number on this line or after it.
      const k = lines.findIndex((l, n) => n >= i && NUMBER.test(l.replace(/#.*/, '')));
      if (k >= 0) lines[k] = lines[k].replace(NUMBER, m.with);
      break;
    }
    case 'value':
      lines[i] = /:\s/.test(line) ? line.replace(/:\s.*$/, `: ${m.with}`) : `${line} ${m.with}`;
      break;
    case 'key':
      lines[i] = line.replace(/^(\s*-?\s*)[^:\s]+:/, `$1${m.with}:`);
      break;
    case 'insert':
    case 'yaml':
      lines.splice(i, 0, ...m.with.split('\n'));
      break;
  }
  return lines.join('\n');
}

/** Rule files with a few mutations, each in a random file. */
const mutationsOf = (original: readonly SourceFile[]): fc.Arbitrary<SourceFile[]> =>
  fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }).map((ms) => {
    const files = original.map((f) => ({ ...f }));
    for (const [n, m] of ms) {
      const f = files[n % files.length];
      f.text = mutate(f.text, m);
    }
    return files;
  });
const mutatedRules = mutationsOf(REAL);
/** The issue's snippets (per-plan prices, a promotion, included usage, a pack), mutated. */
const mutatedIssueRules = mutationsOf(issueRuleFiles().filter((f) => !/\.test\.ya?ml$/.test(f.path)));

// ------------------------------------------------------------------ properties

describe('rule validation under fuzzing', () => {
  it('random JSON values as YAML files: diagnostics only', async () => {
    await fc.assert(fc.asyncProperty(fileSet(fc.jsonValue({ maxDepth: 4 })), expectDiagnosticsOnly), { numRuns: runs(100) });
  });

  it('random documents shaped like rule files: diagnostics only', async () => {
    await fc.assert(fc.asyncProperty(fileSet(ruleDocument), expectDiagnosticsOnly), { numRuns: runs(150) });
  });

  it('mutations of the real rules/ files: diagnostics only', async () => {
    await fc.assert(fc.asyncProperty(mutatedRules, expectDiagnosticsOnly), { numRuns: runs(60) });
  });

  it('mutations of the rules with promotions, plan prices, included usage and packs: diagnostics only', async () => {
    await fc.assert(fc.asyncProperty(mutatedIssueRules, expectDiagnosticsOnly), { numRuns: runs(40) });
  });

  it('`ratecard validate` prints located diagnostics and never a stack trace', async () => {
    const samples = fc.sample(mutatedRules, { numRuns: 6, seed: 42 });
    samples.push(REAL.map((f) => (f.path.endsWith('plans.yaml') ? { ...f, text: `${f.text}\n${ALIAS_BOMB.join('\n')}\n` } : f)));
    for (const files of samples) {
      const dir = mkdtempSync(join(tmpdir(), 'ratecard-fuzz-'));
      try {
        for (const f of files) writeFileSync(join(dir, basename(f.path)), f.text);
        const { code, stdout, stderr } = await ratecard(['validate', '--rules', '.'], { cwd: dir });
        expect(stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        expect(stderr).not.toMatch(/Error\b/);
        if (code === 0) {
          expect(stdout).toMatch(/^ok: /);
          continue;
        }
        expect(code).toBe(1);
        // Every line is a located diagnostic, an indented `see`/`hint` line, or the count at the end.
        const lines = stderr.split('\n');
        const summary = lines.pop();
        expect(summary).toMatch(/^\d+ errors?(, \d+ warnings?)?$/);
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) expect(line).toMatch(/^(\S+\.ya?ml:\d+:\d+: (warning )?[a-z][a-z0-9-]*: .+|  (see \S+\.ya?ml:\d+:\d+|hint: .+))$/);
      } finally {
        removeDir(dir);
      }
    }
  });
});

/** The real rule files with one more file beside them. */
const realWith = (path: string, text: string): SourceFile[] => [...REAL, { path, text }];

// Counterexamples the properties above found, shrunk; each threw from the validator before its fix.
describe('rule validation: regressions found by fuzzing', () => {
  it.each([
    ['an alias to no anchor', 'plans: *nope\n', 'rules/x.yaml:1:8: yaml-syntax: alias `*nope` refers to no anchor before it'],
    ['an alias bomb', `${ALIAS_BOMB.join('\n')}\n`, 'rules/x.yaml:2:8: yaml-syntax: aliases expand to too many nodes (at most 100 per anchor)'],
    [
      'a condition that contains itself',
      'actions:\n  loop:\n    price: 1 cr\n    conditions:\n      - id: c\n        when: &w\n          not: *w\n        deny: no\n',
      'rules/x.yaml:7:16: yaml-syntax: alias `*w` refers to a node that contains it',
    ],
  ])('%s is a YAML diagnostic', async (_name, text, expected) => {
    const files = realWith('rules/x.yaml', text);
    const { diagnostics } = await compileSources(files);
    expectWellFormed(diagnostics, files);
    expect(diagnostics.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.column}: ${d.code}: ${d.message}`)).toEqual([expected]);
  });

  it.each([
    ['a rate too large to count in millicredits', 'actions:\n  a.b:\n    price: { rate: 99999999999999999999 cr/edit }\n', 'rules/x.yaml:3:20: invalid-amount: `99999999999999999999 cr/edit` is not an amount of credits with at most three decimals'],
    ['a multiplier too large', 'actions:\n  a.b:\n    price: 1 cr\n    conditions:\n      - { id: c, when: { fact: plan, operator: equal, value: basic }, multiply: 99999999999999999999x }\n', 'rules/x.yaml:5:81: invalid-amount: `99999999999999999999x` is not a multiplier with at most three decimals'],
  ])('%s is a located diagnostic, not a crash or a dropped value', async (_name, text, expected) => {
    const files = realWith('rules/x.yaml', text);
    const { diagnostics } = await compileSources(files);
    expectWellFormed(diagnostics, files);
    expect(diagnostics.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.column}: ${d.code}: ${d.message}`)).toEqual([expected]);
  });

  it.each([
    ['an empty leaf', '{}'],
    ['`all` that is not a list', '{ all: 5 }'],
    ['`not` of a number', '{ not: 5 }'],
    ['a leaf whose operator is a number', '{ fact: resolution, operator: 5, value: 2k }'],
  ])('a condition with %s is a schema diagnostic', async (_name, when) => {
    const text = `actions:\n  a.b:\n    price: 1 cr\n    conditions:\n      - id: c\n        when: ${when}\n        deny: no\n`;
    const files = realWith('rules/x.yaml', text);
    const { diagnostics } = await compileSources(files);
    expectWellFormed(diagnostics, files);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((d) => d.location?.file === 'rules/x.yaml' && d.location.line === 6 && d.code.startsWith('schema-'))).toBe(true);
  });
});
