import { PLANS_YAML, sources, where, yaml, type YamlFiles } from '../../../test/support/yaml';
import { formatDiagnostic } from './diagnostics';
import { loadRuleSet } from './load';

/** One problem and the diagnostics it must produce, as `file:line:col: code`. */
interface Broken {
  readonly title: string;
  readonly files: YamlFiles;
  readonly want: readonly string[];
}

const withPlans = (x: string): YamlFiles => ({ 'plans.yaml': PLANS_YAML, 'x.yaml': x });

// The action of a composite test: image.gen with an optional `size`.
const IMAGE_GEN = ['  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: 1 cr'];

describe(loadRuleSet.name, () => {
  describe('YAML', () => {
    it.each<Broken>([
      {
        title: 'duplicate-key: a key twice in one map, at the second key',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price: 1 cr', '    price: 2 cr')),
        want: ['x.yaml:4:5: duplicate-key'],
      },
      {
        title: 'yaml-syntax: an unclosed flow mapping',
        files: withPlans(yaml('actions:', '  chat.edit: { price: 1 cr', '  prompt.enhance:', '    price: 1 cr')),
        want: ['x.yaml:3:3: yaml-syntax'],
      },
      {
        title: 'yaml-syntax: a mis-indented key (at the key) and an unclosed list, both reported',
        files: withPlans(['actions:', '  chat.edit:', '    price: 1 cr', '   bad: ['].join('\n')),
        want: ['x.yaml:4:4: yaml-syntax', 'x.yaml:4:10: yaml-syntax'],
      },
    ])('$title', ({ files, want }) => {
      const { ruleset, diagnostics } = loadRuleSet(sources(files));
      expect(ruleset).toBeUndefined();
      expect(where(diagnostics)).toEqual(want);
    });
  });

  describe('JSON Schema', () => {
    it.each<Broken>([
      {
        title: 'schema-unknown-field: a misspelt field, at its key (and the action then has no price)',
        files: withPlans(yaml('actions:', '  chat.edit:', '    prise: 1 cr')),
        want: ['x.yaml:2:3: missing-price', 'x.yaml:3:5: schema-unknown-field'],
      },
      {
        title: 'schema-required: a plan without an allowance',
        files: { 'plans.yaml': yaml('plans:', '  - id: basic') },
        want: ['plans.yaml:2:5: schema-required'],
      },
      {
        title: 'schema-format: a gate without `+`',
        files: withPlans(yaml('actions:', '  business-os.chat:', '    requires: pro', '    price: 15 cr/msg')),
        want: ['x.yaml:3:15: schema-format'],
      },
      {
        title: 'schema-format: a rate that is not an amount',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price: four cr')),
        want: ['x.yaml:3:12: schema-format'],
      },
      {
        title: 'schema-format: an action id that is not lowercase, at its key',
        files: withPlans(yaml('actions:', '  Chat.Edit:', '    price: 1 cr')),
        want: ['x.yaml:2:3: schema-format'],
      },
      {
        title: 'schema-type: an allowance that is a list',
        files: { 'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: [1500]') },
        want: ['plans.yaml:3:16: schema-type'],
      },
      {
        title: 'schema-enum: a cycle policy value that does not exist',
        files: withPlans(yaml('cycle:', '  unused: keep')),
        want: ['x.yaml:2:11: schema-enum'],
      },
      {
        title: 'schema-empty: an empty plan ladder',
        files: { 'plans.yaml': yaml('plans: []') },
        want: ['plans.yaml:1:8: schema-empty'],
      },
      {
        title: 'schema-range: a negative quota',
        files: {
          'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: 1,500 cr', '    quotas:', '      chat.edit: -1'),
          'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'),
        },
        want: ['plans.yaml:5:18: schema-range'],
      },
      {
        title: 'schema-duplicate: a parameter passed through twice',
        files: withPlans(yaml('actions:', '  site.generate:', '    phases:', '      - action: image.gen', '        pass: [size, size]', ...IMAGE_GEN)),
        want: ['x.yaml:5:15: schema-duplicate'],
      },
    ])('$title', ({ files, want }) => {
      const { ruleset, diagnostics } = loadRuleSet(sources(files));
      expect(ruleset).toBeUndefined();
      expect(where(diagnostics)).toEqual(want);
    });

    it('explains an unknown field with the nearest known one', () => {
      const { diagnostics } = loadRuleSet(sources(withPlans(yaml('actions:', '  chat.edit:', '    prise: 1 cr'))));
      const unknown = diagnostics.find((d) => d.code === 'schema-unknown-field')!;
      expect(unknown.message).toBe('unknown field `prise`');
      expect(unknown.hint).toBe('did you mean `price`?');
      expect(unknown.location?.path).toBe('actions["chat.edit"].prise');
    });

    it('says what a gate looks like', () => {
      const { diagnostics } = loadRuleSet(sources(withPlans(yaml('actions:', '  business-os.chat:', '    requires: pro', '    price: 15 cr/msg'))));
      expect(diagnostics[0].message).toBe('must be a plan followed by `+`, e.g. `pro+` (that plan and every higher one)');
    });
  });

  describe('semantic checks', () => {
    it.each<Broken>([
      // normalize
      {
        title: 'plans-redefined: a second file with plans',
        files: withPlans(yaml('plans:', '  - id: gold', '    allowance: 1 cr')),
        want: ['x.yaml:1:1: plans-redefined'],
      },
      {
        title: 'cycle-redefined: a second file with a cycle policy',
        files: { 'a.yaml': yaml('cycle:', '  unused: expire'), 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('cycle:', '  downgrade: immediate') },
        want: ['x.yaml:1:1: cycle-redefined'],
      },
      {
        title: 'duplicate-action: one id in two files, at the second',
        files: { 'a.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'), 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('actions:', '  chat.edit:', '    price: 2 cr') },
        want: ['x.yaml:2:3: duplicate-action'],
      },
      {
        title: 'missing-plans: no file defines plans',
        files: { 'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr') },
        want: ['x.yaml:1:1: missing-plans'],
      },
      {
        title: 'duplicate-plan: one plan id twice on the ladder',
        files: { 'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: 1 cr', '  - id: basic', '    allowance: 2 cr') },
        want: ['plans.yaml:4:9: duplicate-plan'],
      },
      {
        title: 'negative-amount: a negative allowance',
        files: { 'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: -5 cr') },
        want: ['plans.yaml:3:16: negative-amount'],
      },
      {
        title: 'missing-price: an action with no price, free or phases',
        files: withPlans(yaml('actions:', '  chat.edit:', '    name: Chat edit')),
        want: ['x.yaml:2:3: missing-price'],
      },
      {
        title: 'free-with-price: a free action with a price',
        files: withPlans(yaml('actions:', '  site.download:', '    free: never charged', '    price: 1 cr')),
        want: ['x.yaml:3:5: free-with-price'],
      },
      {
        title: 'free-with-price: a free action with a gate',
        files: withPlans(yaml('actions:', '  site.download:', '    free: never charged', '    requires: pro+')),
        want: ['x.yaml:4:5: free-with-price'],
      },
      {
        title: 'conflicting-price: both a price and phases',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price: 1 cr', '    phases:', '      - action: prompt.enhance', '  prompt.enhance:', '    price: 1 cr')),
        want: ['x.yaml:4:5: conflicting-price'],
      },
      {
        title: 'reserved-param: a parameter named `plan`',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      plan: { values: [a] }', '    price: 1 cr')),
        want: ['x.yaml:4:7: reserved-param'],
      },
      {
        title: 'invalid-param-name: a parameter name with a space',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      my size: { values: [a] }', '    price: 1 cr')),
        want: ['x.yaml:4:7: invalid-param-name'],
      },
      {
        title: 'mixed-values: text and numbers in one list of values',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      size:', '        values: [a, 1]', '    price: 1 cr')),
        want: ['x.yaml:5:17: mixed-values'],
      },
      {
        title: 'param-type-mismatch: an integer whose values are text, at `type`',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      size:', '        type: integer', '        values: [a, b]', '    price: 1 cr')),
        want: ['x.yaml:5:15: param-type-mismatch'],
      },
      {
        title: 'param-type-mismatch: an integer with a fractional bound',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      size:', '        type: integer', '        min: 0.5', '        max: 3', '    price: 1 cr')),
        want: ['x.yaml:5:9: param-type-mismatch'],
      },
      {
        title: 'bounds-on-non-number: `min` on a text parameter',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      size:', '        values: [a, b]', '        min: 1', '    price: 1 cr')),
        want: ['x.yaml:5:9: bounds-on-non-number'],
      },
      {
        title: 'empty-range: `min` above `max`, at `min`',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      seconds:', '        type: integer', '        min: 5', '        max: 1', '    price: 1 cr')),
        want: ['x.yaml:6:14: empty-range'],
      },
      {
        title: 'default-not-allowed: a default outside the allowed values',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      size:', '        values: [s, m]', '        default: xl', '    price: 1 cr')),
        want: ['x.yaml:6:18: default-not-allowed'],
      },
      {
        title: 'default-not-allowed: a default above the maximum',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      seconds:', '        type: integer', '        min: 1', '        max: 8', '        default: 9', '    price: 1 cr')),
        want: ['x.yaml:8:18: default-not-allowed'],
      },
      {
        title: 'invalid-amount: a rate with four decimals',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price: 0.0001')),
        want: ['x.yaml:3:12: invalid-amount'],
      },
      {
        title: 'negative-rate: a negative price',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price: -4 cr')),
        want: ['x.yaml:3:12: negative-rate'],
      },
      {
        title: 'negative-rate: a negative variant',
        files: withPlans(yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price:', '      by: size', '      variants:', '        s: 1 cr', '        m: -1 cr')),
        // The variant is dropped, so `m` then has no rate.
        want: ['x.yaml:6:7: missing-variant', 'x.yaml:9:12: negative-rate'],
      },
      {
        title: 'price-shape: a price with neither a rate nor variants',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price:', '      per: seconds')),
        want: ['x.yaml:4:7: price-shape'],
      },
      {
        title: 'price-shape: a rate and variants at once',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price:', '      rate: 1 cr', '      by: size', '      variants: { s: 1 cr }')),
        want: ['x.yaml:4:7: price-shape'],
      },
      // resolve-composites
      {
        title: 'unknown-action: a phase of an action that does not exist',
        files: withPlans(yaml('actions:', '  site.generate:', '    phases:', '      - action: nope.nope')),
        want: ['x.yaml:4:9: unknown-action'],
      },
      {
        title: 'composite-cycle: two composites that use each other',
        files: withPlans(yaml('actions:', '  a.one:', '    phases:', '      - action: a.two', '  a.two:', '    phases:', '      - action: a.one')),
        want: ['x.yaml:7:9: composite-cycle'],
      },
      {
        title: 'composite-cycle: a composite that uses itself',
        files: withPlans(yaml('actions:', '  a.one:', '    phases:', '      - action: a.one')),
        want: ['x.yaml:4:9: composite-cycle'],
      },
      {
        title: 'undeclared-param: passing a parameter the phase action does not have',
        files: withPlans(yaml('actions:', '  site.generate:', '    phases:', '      - action: image.gen', '        pass: [colour]', ...IMAGE_GEN)),
        want: ['x.yaml:4:9: undeclared-param'],
      },
      {
        title: 'undeclared-param: fixing a parameter the phase action does not have',
        files: withPlans(yaml('actions:', '  site.generate:', '    phases:', '      - action: image.gen', '        with: { colour: red }', ...IMAGE_GEN)),
        want: ['x.yaml:4:9: undeclared-param'],
      },
      {
        title: 'pass-conflict: a parameter both passed and fixed',
        files: withPlans(yaml('actions:', '  site.generate:', '    phases:', '      - action: image.gen', '        pass: [size]', '        with: { size: s }', ...IMAGE_GEN)),
        want: ['x.yaml:4:9: pass-conflict'],
      },
      {
        title: 'pass-conflict: a composite that declares a passed parameter more widely',
        files: withPlans(
          yaml('actions:', '  site.generate:', '    params:', '      size: { values: [s, m, l], default: s }', '    phases:', '      - action: image.gen', '        pass: [size]', ...IMAGE_GEN),
        ),
        want: ['x.yaml:6:9: pass-conflict'],
      },
      {
        title: 'phase-value-not-allowed: a fixed value outside the bounds',
        files: withPlans(
          yaml(
            'actions:',
            '  site.generate:',
            '    phases:',
            '      - action: video.gen',
            '        with: { seconds: 99 }',
            '  video.gen:',
            '    params:',
            '      seconds: { type: integer, min: 1, max: 8, default: 8 }',
            '    price: { rate: 1 cr/sec, per: seconds }',
          ),
        ),
        want: ['x.yaml:4:9: phase-value-not-allowed'],
      },
      {
        title: 'missing-phase-param: a required parameter the phase neither passes nor fixes',
        files: withPlans(yaml('actions:', '  site.generate:', '    phases:', '      - action: image.gen', '  image.gen:', '    params:', '      size: { values: [s, m] }', '    price: 1 cr')),
        want: ['x.yaml:4:9: missing-phase-param'],
      },
      {
        title: 'composite-adjustment: a composite with a multiplier',
        files: withPlans(
          yaml('actions:', '  site.generate:', '    phases:', '      - action: image.gen', '        pass: [size]', '    multipliers:', '      - by: size', '        values: { m: 2x }', ...IMAGE_GEN),
        ),
        want: ['x.yaml:7:9: composite-adjustment'],
      },
      {
        title: 'composite-adjustment: a composite with a condition that adds',
        files: withPlans(
          yaml(
            'actions:',
            '  site.generate:',
            '    phases:',
            '      - action: image.gen',
            '        pass: [size]',
            '    conditions:',
            '      - id: surcharge',
            '        when: { fact: size, operator: equal, value: m }',
            '        add: 5 cr',
            ...IMAGE_GEN,
          ),
        ),
        want: ['x.yaml:7:9: composite-adjustment'],
      },
      // check-references
      {
        title: 'unknown-action: a quota for an action that does not exist, at the plan',
        files: { 'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: 1 cr', '    quotas:', '      nope.nope: 2') },
        want: ['plans.yaml:2:5: unknown-action'],
      },
      {
        title: 'free-with-quota: a quota on a free action, at the plan',
        files: {
          'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: 1 cr', '    quotas:', '      site.download: 2'),
          'x.yaml': yaml('actions:', '  site.download:', '    free: never charged'),
        },
        want: ['plans.yaml:2:5: free-with-quota'],
      },
      {
        title: 'unknown-plan: a gate naming no plan',
        files: withPlans(yaml('actions:', '  chat.edit:', '    requires: gold+', '    price: 1 cr')),
        want: ['x.yaml:3:15: unknown-plan'],
      },
      {
        title: 'unknown-plan: a variant gate naming no plan',
        files: withPlans(yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price:', '      by: size', '      variants:', '        s: 1 cr', '        m: { rate: 2 cr, requires: gold+ }')),
        want: ['x.yaml:9:36: unknown-plan'],
      },
      {
        title: 'unknown-plan: a condition comparing the plan with no plan',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price: 1 cr', '    conditions:', '      - id: vip', '        when: { fact: plan, operator: equal, value: gold }', '        deny: not for gold')),
        want: ['x.yaml:6:15: unknown-plan'],
      },
      {
        title: 'gate-has-no-effect: a gate on the lowest plan (a warning)',
        files: withPlans(yaml('actions:', '  chat.edit:', '    requires: basic+', '    price: 1 cr')),
        want: ['x.yaml:3:15: warning gate-has-no-effect'],
      },
      {
        title: 'undeclared-param: `by` names no parameter',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price:', '      by: size', '      variants: { s: 1 cr }')),
        want: ['x.yaml:4:11: undeclared-param'],
      },
      {
        title: 'undeclared-param: a multiplier by no parameter',
        files: withPlans(yaml('actions:', '  chat.edit:', '    price: 1 cr', '    multipliers:', '      - by: size', '        values: { m: 2x }')),
        want: ['x.yaml:5:9: undeclared-param'],
      },
      {
        title: 'undeclared-param: `per` names no parameter',
        files: withPlans(yaml('actions:', '  video.gen:', '    price: { rate: 1 cr/sec, per: seconds }')),
        want: ['x.yaml:3:12: undeclared-param'],
      },
      {
        title: 'param-not-enumerated: `by` a parameter with no list of values',
        files: withPlans(yaml('actions:', '  chat.edit:', '    params:', '      weight: { type: number, min: 0, max: 10, default: 1 }', '    price:', '      by: weight', "      variants: { '1': 1 cr }")),
        want: ['x.yaml:6:11: param-not-enumerated'],
      },
      {
        title: 'param-not-enumerated: a condition on a parameter with no list of values',
        files: withPlans(
          yaml(
            'actions:',
            '  chat.edit:',
            '    params:',
            '      weight: { type: number, min: 0, max: 10, default: 1 }',
            '    price: 1 cr',
            '    conditions:',
            '      - id: heavy',
            '        when: { fact: weight, operator: greaterThan, value: 5 }',
            '        add: 1 cr',
          ),
        ),
        want: ['x.yaml:8:15: param-not-enumerated'],
      },
      {
        title: 'unknown-value: a variant for a value the parameter does not have',
        files: withPlans(yaml('actions:', '  image.gen:', '    params:', '      model: { values: [a, b], default: a }', '    price:', '      by: model', '      variants:', '        a: 1 cr', '        b: 2 cr', '        c: 3 cr')),
        want: ['x.yaml:10:9: unknown-value'],
      },
      {
        title: 'unknown-value: a multiplier value the parameter does not have',
        files: withPlans(yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: 1 cr', '    multipliers:', '      - by: size', '        values:', '          xl: 2x')),
        want: ['x.yaml:9:11: unknown-value'],
      },
      {
        title: 'unknown-value: a condition comparing with a value the parameter does not have',
        files: withPlans(
          yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: 1 cr', '    conditions:', '      - id: big', '        when: { fact: size, operator: equal, value: xl }', '        deny: too big'),
        ),
        want: ['x.yaml:8:15: unknown-value'],
      },
      {
        title: 'missing-variant: a value of `by` without a rate',
        files: withPlans(yaml('actions:', '  image.gen:', '    params:', '      model: { values: [a, b], default: a }', '    price:', '      by: model', '      variants:', '        a: 1 cr')),
        want: ['x.yaml:6:7: missing-variant'],
      },
      {
        title: 'mixed-units: variants per second and per request',
        files: withPlans(
          yaml(
            'actions:',
            '  video.gen:',
            '    params:',
            '      tier: { values: [a, b], default: a }',
            '      seconds: { type: integer, min: 1, max: 8, default: 8 }',
            '    price:',
            '      by: tier',
            '      per: seconds',
            '      variants:',
            '        a: 1 cr/sec',
            '        b: 2 cr',
          ),
        ),
        want: ['x.yaml:7:7: mixed-units'],
      },
      {
        title: 'missing-per: a per-second rate with no quantity',
        files: withPlans(yaml('actions:', '  video.gen:', '    price: 32 cr/sec')),
        want: ['x.yaml:3:12: missing-per'],
      },
      {
        title: 'per-without-meter: `per` on a flat rate',
        files: withPlans(yaml('actions:', '  video.gen:', '    params:', '      seconds: { type: integer, min: 1, max: 8, default: 8 }', '    price: { rate: 1 cr, per: seconds }')),
        want: ['x.yaml:5:12: per-without-meter'],
      },
      {
        title: 'meter-not-number: metering by a text parameter',
        files: withPlans(yaml('actions:', '  video.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: { rate: 1 cr/sec, per: size }')),
        want: ['x.yaml:4:7: meter-not-number'],
      },
      {
        title: 'invalid-amount: a multiplier finer than three decimals is an error, not silently dropped',
        files: withPlans(yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: 1 cr', '    multipliers:', '      - by: size', '        values: { m: 4.0001 }')),
        want: ['x.yaml:8:22: invalid-amount'],
      },
      {
        title: 'invalid-amount: `multiply` and `add` finer than three decimals',
        files: withPlans(
          yaml(
            'actions:',
            '  image.gen:',
            '    params:',
            '      size: { values: [s, m], default: s }',
            '    price: 1 cr',
            '    conditions:',
            '      - { id: a, when: { fact: size, operator: equal, value: m }, multiply: 0.3333 }',
            '      - { id: b, when: { fact: size, operator: equal, value: m }, add: 0.0001 }',
          ),
        ),
        want: ['x.yaml:7:77: invalid-amount', 'x.yaml:8:72: invalid-amount'],
      },
      {
        title: 'condition-value-type: `in` needs a list',
        files: withPlans(yaml('actions:', ...IMAGE_GEN, '    conditions:', '      - { id: a, when: { all: [{ fact: size, operator: in, value: m }] }, deny: no }')),
        want: ['x.yaml:7:32: condition-value-type'],
      },
      {
        title: 'operator-not-applicable: list operators on a single value, number operators on the plan',
        files: withPlans(
          yaml(
            'actions:',
            ...IMAGE_GEN,
            '    conditions:',
            '      - { id: a, when: { all: [{ fact: size, operator: contains, value: m }] }, deny: no }',
            '      - { id: b, when: { all: [{ fact: plan, operator: lessThan, value: pro }] }, deny: no }',
          ),
        ),
        want: ['x.yaml:7:32: operator-not-applicable', 'x.yaml:8:32: operator-not-applicable'],
      },
      {
        title: 'meter-unbounded: metering by a quantity with no maximum',
        files: withPlans(yaml('actions:', '  video.gen:', '    params:', '      seconds: { type: integer, min: 0 }', '    price: { rate: 1 cr/sec, per: seconds }')),
        want: ['x.yaml:4:7: meter-unbounded'],
      },
      {
        title: 'meter-negative: metering by a quantity that may be negative',
        files: withPlans(yaml('actions:', '  video.gen:', '    params:', '      seconds: { type: integer, min: -1, max: 8 }', '    price: { rate: 1 cr/sec, per: seconds }')),
        want: ['x.yaml:4:7: meter-negative'],
      },
      {
        title: 'duplicate-condition: two conditions with one id, at the second',
        files: withPlans(
          yaml(
            'actions:',
            '  image.gen:',
            '    params:',
            '      size: { values: [s, m], default: s }',
            '    price: 1 cr',
            '    conditions:',
            '      - id: big',
            '        when: { fact: size, operator: equal, value: m }',
            '        deny: too big',
            '      - id: big',
            '        when: { fact: size, operator: equal, value: s }',
            '        deny: too small',
          ),
        ),
        want: ['x.yaml:10:9: duplicate-condition'],
      },
      {
        title: 'unknown-operator: a misspelt operator',
        files: withPlans(
          yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: 1 cr', '    conditions:', '      - id: big', '        when: { fact: size, operator: equals, value: m }', '        deny: too big'),
        ),
        want: ['x.yaml:8:15: unknown-operator'],
      },
      {
        title: 'unknown-operator: an unknown decorator',
        files: withPlans(
          yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: 1 cr', '    conditions:', '      - id: big', "        when: { fact: size, operator: 'often:equal', value: m }", '        deny: too big'),
        ),
        want: ['x.yaml:8:15: unknown-operator'],
      },
      {
        title: 'unknown-operator: a plan operator on a parameter',
        files: withPlans(
          yaml('actions:', '  image.gen:', '    params:', '      size: { values: [s, m], default: s }', '    price: 1 cr', '    conditions:', '      - id: big', '        when: { fact: size, operator: planAtLeast, value: m }', '        deny: too big'),
        ),
        want: ['x.yaml:8:15: unknown-operator'],
      },
      {
        title: 'unknown-fact: a condition on something that is neither the plan nor a parameter, at the exact leaf',
        files: withPlans(
          yaml(
            'actions:',
            '  image.gen:',
            '    params:',
            '      size: { values: [s, m], default: s }',
            '    price: 1 cr',
            '    conditions:',
            '      - id: big',
            '        when:',
            '          all:',
            '            - { fact: size, operator: equal, value: m }',
            '            - { fact: colour, operator: equal, value: red }',
            '        deny: too big',
          ),
        ),
        want: ['x.yaml:11:15: unknown-fact'],
      },
    ])('$title', ({ files, want }) => {
      const { ruleset, diagnostics } = loadRuleSet(sources(files));
      expect(where(diagnostics)).toEqual(want);
      if (want.every((w) => w.includes(' warning '))) expect(ruleset).toBeDefined();
      else expect(ruleset).toBeUndefined();
    });

    it('warns about a composite parameter that no phase receives (unused-param) and still loads', () => {
      const { ruleset, diagnostics } = loadRuleSet(
        sources(withPlans(yaml('actions:', '  site.generate:', '    params:', '      style: { values: [a, b], default: a }', '    phases:', '      - action: image.gen', ...IMAGE_GEN))),
      );
      expect(where(diagnostics)).toEqual(['x.yaml:4:7: warning unused-param']);
      expect(ruleset?.actions['site.generate'].kind).toBe('composite');
    });

    it('reports no-rule-files when there are only case files', () => {
      const { ruleset, diagnostics } = loadRuleSet([{ path: 'x.test.yaml', text: 'cases: []\n' }]);
      expect(ruleset).toBeUndefined();
      expect(where(diagnostics)).toEqual(['no-rule-files']);
    });
  });

  it('reports every error of every file at once, sorted by file and line', () => {
    const { ruleset, diagnostics } = loadRuleSet(
      sources({
        'plans.yaml': yaml('plans:', '  - id: basic', '    allowance: -1 cr', '  - id: basic', '    allowance: 1 cr'),
        'a.yaml': yaml('actions:', '  chat.edit:', '    requires: gold+', '    price: -1 cr', '  video.gen:', '    price: 32 cr/sec'),
        'b.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr', '  site.generate:', '    phases:', '      - action: nope.nope'),
      }),
    );
    expect(ruleset).toBeUndefined();
    expect(where(diagnostics)).toEqual([
      'a.yaml:3:15: unknown-plan',
      'a.yaml:4:12: negative-rate',
      'a.yaml:6:12: missing-per',
      'b.yaml:2:3: duplicate-action',
      'b.yaml:6:9: unknown-action',
      'plans.yaml:3:16: negative-amount',
      'plans.yaml:4:9: duplicate-plan',
    ]);
  });

  it('ignores case files and loads a clean rule set without diagnostics', () => {
    const { ruleset, diagnostics } = loadRuleSet(
      sources({ ...withPlans(yaml('actions:', '  chat.edit:', '    price: 0.5 cr/edit')), 'x.test.yaml': 'this: [is not: a rule file' }),
    );
    expect(diagnostics).toEqual([]);
    expect(ruleset?.actions['chat.edit'].price?.rate).toMatchObject({ mc: 500, unit: 'edit' });
    expect(ruleset?.plans.map((p) => [p.id, p.rank, p.allowanceMc])).toEqual([
      ['basic', 0, 1_500_000],
      ['pro', 1, 5_000_000],
      ['premium', 2, 15_000_000],
    ]);
  });

  it('prints a diagnostic as file:line:col: code: message, with its path, related location and hint', () => {
    const { diagnostics } = loadRuleSet(
      sources({ 'a.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'), 'plans.yaml': PLANS_YAML, 'x.yaml': yaml('actions:', '  chat.edit:', '    requires: pro', '    price: 2 cr') }),
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'x.yaml:2:3: duplicate-action: action `chat.edit` is already defined (at actions["chat.edit"])\n  see a.yaml:2:3',
      'x.yaml:3:15: schema-format: must be a plan followed by `+`, e.g. `pro+` (that plan and every higher one) (at actions["chat.edit"].requires)',
    ]);
    const gate = loadRuleSet(sources(withPlans(yaml('actions:', '  chat.edit:', '    requires: pri+', '    price: 1 cr')))).diagnostics[0];
    expect(formatDiagnostic(gate)).toBe('x.yaml:3:15: unknown-plan: `pri+` names no plan on the ladder (at actions["chat.edit"].requires)\n  hint: did you mean `pro+`?');
  });
});
