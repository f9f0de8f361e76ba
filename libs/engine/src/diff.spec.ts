import type { SourceLocation } from '@ratecard/dsl';
import { compileYaml } from '../../../test/support/rules';
import { yaml, type YamlFiles } from '../../../test/support/yaml';
import type { CompiledRuleSet } from './compiled';
import { DIFF_GUARDS, diffRuleSets, trippedGuards, type CellChange, type CellOutcome, type DiffGuard, type RuleChange, type RuleSetDiff } from './diff';
import { diffMarkdown, diffText } from './diff-render';

// The rule set every case starts from. Line numbers below are positions in these lists.
const PLANS = yaml(
  'plans:', //                                  1
  '  - id: basic', //                           2
  '    allowance: 1,500 cr',
  '    quotas: { site.make: 2 }', //            4
  '  - id: pro', //                             5
  '    allowance: 5,000 cr',
  '  - id: premium',
  '    allowance: 15,000 cr',
  'cycle:', //                                  9
  '  unused: expire',
);
const ACTIONS = yaml(
  'actions:', //                                            1
  '  chat.edit:', //                                        2
  '    price: 0.5 cr/edit', //                              3
  '  image.generate:',
  '    params:',
  '      model: { values: [fast, best], default: fast }', // 6
  '      resolution: { values: [1k, 2k], default: 1k }',
  '    price:',
  '      by: model',
  '      variants:',
  '        fast: { rate: 8 cr }', //                        11
  '        best: { rate: 20 cr, requires: pro+ }', //       12
  '    multipliers:',
  '      - by: resolution',
  '        values:',
  '          2k: { factor: 2x, requires: premium+ }', //    16
  '  business.chat:', //                                    17
  '    requires: pro+', //                                  18
  '    price: 15 cr/msg', //                                19
  '  site.download:', //                                    20
  '    free: downloads are never charged',
  '  site.make:',
  '    price: 50 cr',
);
const BASE: YamlFiles = { 'plans.yaml': PLANS, 'actions.yaml': ACTIONS };

/** BASE with `from` (which must occur exactly once in `file`) replaced by `to`. */
function edit(file: 'plans.yaml' | 'actions.yaml', from: string, to: string, files: YamlFiles = BASE): YamlFiles {
  const text = files[file];
  if (text.split(from).length !== 2) throw new Error(`\`${from}\` is not in ${file} exactly once`);
  return { ...files, [file]: text.replace(from, to) };
}

const at = (where: string, path: string): SourceLocation => {
  const [file, line, column] = where.split(':');
  return { file, line: Number(line), column: Number(column), path };
};
const ok = (cost: number): CellOutcome => ({ allowed: true, cost, reasons: [] });
const denied = (cost: number, reasons: string[] = ['PLAN_REQUIRED']): CellOutcome => ({ allowed: false, cost, reasons });
const cell = (action: string, plan: string, params: CellChange['params'], before: CellOutcome | null, after: CellOutcome | null): CellChange => ({ action, plan, params, before, after });
const everyPlan = (action: string, params: CellChange['params'], before: CellOutcome | null, after: CellOutcome | null): CellChange[] =>
  ['basic', 'pro', 'premium'].map((plan) => cell(action, plan, params, before, after));

/** What one edit of BASE must produce, in every output form. */
interface Case {
  readonly note: string;
  readonly files: YamlFiles;
  readonly rules: readonly RuleChange[];
  readonly cells: readonly CellChange[];
  readonly compared: number;
  readonly text: string;
  readonly md: string;
  /** Every guard it trips, in DIFF_GUARDS order; every other guard must stay quiet. */
  readonly guards: readonly DiffGuard[];
  /** The lines under "in short": who pays more or less, who gains or loses access. */
  readonly short: readonly string[];
  /** The groups of changed cells, one line each. */
  readonly groups: readonly string[];
}

/**
 * The text with `--cells`: `text` holds the header, the rule changes and every cell; the summary
 * and the groups go before the cells.
 */
function withGroups(c: Case): string {
  const [head, rules, cells] = c.text.split('\n\n');
  const [count, ...each] = cells.split('\n');
  const blocks = [head, ['in short', ...c.short].join('\n'), rules, [`${count}${c.groups.length ? `, in ${c.groups.length} group${c.groups.length === 1 ? '' : 's'}` : ''}`, ...c.groups.map((g) => `  ${g}`)].join('\n')];
  if (each.length) blocks.push(['every changed cell', ...each].join('\n'));
  return blocks.join('\n\n');
}

/** The Markdown with `cells`: the summary first, the groups as a table, then every cell. */
function withGroupsMd(c: Case, sut: RuleSetDiff): string {
  const [head, ...rest] = c.md.split('\n### Rule changes');
  const [rules, cells] = rest.join('').split('\n### Cells that changed');
  const [title, ...rows] = cells.split('\n');
  const short = c.short.map((l) => l.trim()).reduce<string[][]>((acc, l) => {
    const m = /^(pay more|pay less|lose access|gain access|also)\s+(.*)$/.exec(l);
    if (m) acc.push([m[1], m[2]]);
    else acc[acc.length - 1].push(l);
    return acc;
  }, []);
  const bullets = short.map(([label, ...items]) => `- **${label[0].toUpperCase()}${label.slice(1)}:** ${items.join('; ')}`);
  const groups = sut.groups.map((g) => `| ${g.actions.map((a) => `\`${a}\``).join(' and ')} | ${g.where} | ${g.change} | ${g.cells} |`);
  const cellRows = rows.filter((r) => r.startsWith('| `'));
  return [
    head.trimEnd(),
    '',
    '### In short',
    '',
    ...bullets,
    '',
    `### Rule changes${rules}`.trimEnd(),
    '',
    `### Cells that changed${title}`,
    '',
    '| Action | Where | Change | Cells |',
    '|---|---|---|---|',
    ...groups,
    ...(cellRows.length ? ['', '#### Every changed cell', '', ...MD_CELLS, ...cellRows] : []),
    '',
  ].join('\n');
}

const lines = (...l: string[]): string => l.join('\n');
const LABELS = { from: 'before', to: 'after' };
const MD_RULES = ['| Change | Subject | What | Before | After |', '|---|---|---|---|---|'];
const MD_CELLS = ['| Action | Plan | Parameters | Before | After |', '|---|---|---|---|---|'];

const CASES: Case[] = [
  {
    note: 'a price change: old → new and %, file:line on both sides, every plan repriced',
    files: edit('actions.yaml', '0.5 cr/edit', '0.75 cr/edit'),
    rules: [
      {
        kind: 'price-increase',
        subject: 'chat.edit',
        summary: '`chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)',
        direction: 'tightened',
        before: at('actions.yaml:3:12', 'actions["chat.edit"].price'),
        after: at('actions.yaml:3:12', 'actions["chat.edit"].price'),
        from: 0.5,
        to: 0.75,
        percent: 50,
      },
    ],
    cells: everyPlan('chat.edit', {}, ok(0.5), ok(0.75)),
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  price-increase  `chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)',
      '                  actions.yaml:3:12 → actions.yaml:3:12',
      '',
      '3 of 24 plan × action × parameter cells changed',
      '  chat.edit  basic    (defaults)  0.5 cr → 0.75 cr',
      '  chat.edit  pro      (defaults)  0.5 cr → 0.75 cr',
      '  chat.edit  premium  (defaults)  0.5 cr → 0.75 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| price-increase | `chat.edit` | `chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%) | actions.yaml:3:12 | actions.yaml:3:12 |',
      '',
      '### Cells that changed (3 of 24)',
      '',
      ...MD_CELLS,
      '| `chat.edit` | basic | (defaults) | 0.5 cr | 0.75 cr |',
      '| `chat.edit` | pro | (defaults) | 0.5 cr | 0.75 cr |',
      '| `chat.edit` | premium | (defaults) | 0.5 cr | 0.75 cr |',
      '',
    ),
    guards: ['price-increase', 'any'],
    short: ['  pay more     every plan: chat.edit (+50%)', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody'],
    groups: ['chat.edit, every plan: 0.5 cr → 0.75 cr (+50%), 3 cells'],
  },
  {
    note: 'a gate tightened: Pro+ → Premium+ denies Pro, at the same price',
    files: edit('actions.yaml', '    requires: pro+\n', '    requires: premium+\n'),
    rules: [
      {
        kind: 'gate-tightened',
        subject: 'business.chat',
        summary: '`business.chat`: Pro+ → Premium+',
        direction: 'tightened',
        before: at('actions.yaml:18:15', 'actions["business.chat"].requires'),
        after: at('actions.yaml:18:15', 'actions["business.chat"].requires'),
      },
    ],
    cells: [cell('business.chat', 'pro', {}, ok(15), denied(15))],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  gate-tightened  `business.chat`: Pro+ → Premium+',
      '                  actions.yaml:18:15 → actions.yaml:18:15',
      '',
      '1 of 24 plan × action × parameter cells changed',
      '  business.chat  pro  (defaults)  15 cr → denied 15 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| gate-tightened | `business.chat` | `business.chat`: Pro+ → Premium+ | actions.yaml:18:15 | actions.yaml:18:15 |',
      '',
      '### Cells that changed (1 of 24)',
      '',
      ...MD_CELLS,
      '| `business.chat` | pro | (defaults) | 15 cr | denied 15 cr |',
      '',
    ),
    guards: ['tightened', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  Pro: business.chat', '  gain access  nobody'],
    groups: ['business.chat plan=pro: allowed → denied (PLAN_REQUIRED), 15 cr, 1 cell'],
  },
  {
    note: "a gate loosened: a variant's Pro+ gate removed allows Basic",
    files: edit('actions.yaml', 'best: { rate: 20 cr, requires: pro+ }', 'best: { rate: 20 cr }'),
    rules: [
      {
        kind: 'gate-loosened',
        subject: 'image.generate',
        summary: '`image.generate` model `best`: Pro+ → all plans',
        direction: 'loosened',
        before: at('actions.yaml:12:9', 'actions["image.generate"].price.variants.best'),
        after: at('actions.yaml:12:9', 'actions["image.generate"].price.variants.best'),
      },
    ],
    // At 2k Basic is still denied by the multiplier's Premium+ gate, so only 1k changes.
    cells: [cell('image.generate', 'basic', { model: 'best', resolution: '1k' }, denied(20), ok(20))],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  gate-loosened  `image.generate` model `best`: Pro+ → all plans',
      '                 actions.yaml:12:9 → actions.yaml:12:9',
      '',
      '1 of 24 plan × action × parameter cells changed',
      '  image.generate  basic  model=best resolution=1k  denied 20 cr → 20 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| gate-loosened | `image.generate` | `image.generate` model `best`: Pro+ → all plans | actions.yaml:12:9 | actions.yaml:12:9 |',
      '',
      '### Cells that changed (1 of 24)',
      '',
      ...MD_CELLS,
      '| `image.generate` | basic | model=best resolution=1k | denied 20 cr | 20 cr |',
      '',
    ),
    guards: ['loosened', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  Basic: image.generate model=best resolution=1k'],
    groups: ['image.generate plan=basic, model=best, resolution=1k: denied (PLAN_REQUIRED) → allowed, 20 cr, 1 cell'],
  },
  {
    note: 'an added action: no location before, a new cell on every plan',
    files: { ...BASE, 'actions.yaml': ACTIONS + yaml('  prompt.enhance:', '    price: 1 cr') },
    rules: [{ kind: 'action-added', subject: 'prompt.enhance', summary: 'action `prompt.enhance` added: 1 cr', direction: 'loosened', after: at('actions.yaml:24:3', 'actions["prompt.enhance"]') }],
    cells: everyPlan('prompt.enhance', {}, null, ok(1)),
    compared: 27,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  action-added  action `prompt.enhance` added: 1 cr',
      '                (none) → actions.yaml:24:3',
      '',
      '3 of 27 plan × action × parameter cells changed',
      '  prompt.enhance  basic    (defaults)  — → 1 cr',
      '  prompt.enhance  pro      (defaults)  — → 1 cr',
      '  prompt.enhance  premium  (defaults)  — → 1 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| action-added | `prompt.enhance` | action `prompt.enhance` added: 1 cr | (none) | actions.yaml:24:3 |',
      '',
      '### Cells that changed (3 of 27)',
      '',
      ...MD_CELLS,
      '| `prompt.enhance` | basic | (defaults) | — | 1 cr |',
      '| `prompt.enhance` | pro | (defaults) | — | 1 cr |',
      '| `prompt.enhance` | premium | (defaults) | — | 1 cr |',
      '',
    ),
    guards: ['loosened', 'added', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  every plan: prompt.enhance (new)'],
    groups: ['prompt.enhance, every plan: new: 1 cr, 3 cells'],
  },
  {
    note: 'a removed action: no location after, its cells gone on every plan',
    files: edit('actions.yaml', '  chat.edit:\n    price: 0.5 cr/edit\n', ''),
    rules: [{ kind: 'action-removed', subject: 'chat.edit', summary: 'action `chat.edit` removed', direction: 'tightened', before: at('actions.yaml:2:3', 'actions["chat.edit"]') }],
    cells: everyPlan('chat.edit', {}, ok(0.5), null),
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  action-removed  action `chat.edit` removed',
      '                  actions.yaml:2:3 → (none)',
      '',
      '3 of 24 plan × action × parameter cells changed',
      '  chat.edit  basic    (defaults)  0.5 cr → —',
      '  chat.edit  pro      (defaults)  0.5 cr → —',
      '  chat.edit  premium  (defaults)  0.5 cr → —',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| action-removed | `chat.edit` | action `chat.edit` removed | actions.yaml:2:3 | (none) |',
      '',
      '### Cells that changed (3 of 24)',
      '',
      ...MD_CELLS,
      '| `chat.edit` | basic | (defaults) | 0.5 cr | — |',
      '| `chat.edit` | pro | (defaults) | 0.5 cr | — |',
      '| `chat.edit` | premium | (defaults) | 0.5 cr | — |',
      '',
    ),
    guards: ['tightened', 'removed', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  every plan: chat.edit (removed)', '  gain access  nobody'],
    groups: ['chat.edit, every plan: removed (was 0.5 cr), 3 cells'],
  },
  {
    note: "a variant's price: every combination with that model, denied ones too",
    files: edit('actions.yaml', 'fast: { rate: 8 cr }', 'fast: { rate: 6 cr }'),
    rules: [
      {
        kind: 'price-decrease',
        subject: 'image.generate',
        summary: '`image.generate` model `fast`: 8 cr → 6 cr (-25%)',
        direction: 'loosened',
        before: at('actions.yaml:11:9', 'actions["image.generate"].price.variants.fast'),
        after: at('actions.yaml:11:9', 'actions["image.generate"].price.variants.fast'),
        from: 8,
        to: 6,
        percent: -25,
      },
    ],
    cells: [
      ...everyPlan('image.generate', { model: 'fast', resolution: '1k' }, ok(8), ok(6)),
      cell('image.generate', 'basic', { model: 'fast', resolution: '2k' }, denied(16), denied(12)),
      cell('image.generate', 'pro', { model: 'fast', resolution: '2k' }, denied(16), denied(12)),
      cell('image.generate', 'premium', { model: 'fast', resolution: '2k' }, ok(16), ok(12)),
    ],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  price-decrease  `image.generate` model `fast`: 8 cr → 6 cr (-25%)',
      '                  actions.yaml:11:9 → actions.yaml:11:9',
      '',
      '6 of 24 plan × action × parameter cells changed',
      '  image.generate  basic    model=fast resolution=1k  8 cr → 6 cr',
      '  image.generate  pro      model=fast resolution=1k  8 cr → 6 cr',
      '  image.generate  premium  model=fast resolution=1k  8 cr → 6 cr',
      '  image.generate  basic    model=fast resolution=2k  denied 16 cr → denied 12 cr',
      '  image.generate  pro      model=fast resolution=2k  denied 16 cr → denied 12 cr',
      '  image.generate  premium  model=fast resolution=2k  16 cr → 12 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| price-decrease | `image.generate` | `image.generate` model `fast`: 8 cr → 6 cr (-25%) | actions.yaml:11:9 | actions.yaml:11:9 |',
      '',
      '### Cells that changed (6 of 24)',
      '',
      ...MD_CELLS,
      '| `image.generate` | basic | model=fast resolution=1k | 8 cr | 6 cr |',
      '| `image.generate` | pro | model=fast resolution=1k | 8 cr | 6 cr |',
      '| `image.generate` | premium | model=fast resolution=1k | 8 cr | 6 cr |',
      '| `image.generate` | basic | model=fast resolution=2k | denied 16 cr | denied 12 cr |',
      '| `image.generate` | pro | model=fast resolution=2k | denied 16 cr | denied 12 cr |',
      '| `image.generate` | premium | model=fast resolution=2k | 16 cr | 12 cr |',
      '',
    ),
    guards: ['price-decrease', 'any'],
    short: ['  pay more     nobody', '  pay less     every plan: image.generate model=fast (-25%)', '  lose access  nobody', '  gain access  nobody'],
    groups: ['image.generate model=fast, every plan and resolution: -2 cr per 8 cr (-25%), 6 cells'],
  },
  {
    note: 'a variant added: new cells exist only after; not a price increase',
    files: edit(
      'actions.yaml',
      '        best: { rate: 20 cr, requires: pro+ }\n',
      '        best: { rate: 20 cr, requires: pro+ }\n        max: { rate: 30 cr, requires: premium+ }\n',
      edit('actions.yaml', 'values: [fast, best]', 'values: [fast, best, max]'),
    ),
    rules: [
      { kind: 'parameter-changed', subject: 'image.generate', summary: '`image.generate` parameter `model`: values added `max`', direction: 'neutral', before: at('actions.yaml:6:7', 'actions["image.generate"].params.model'), after: at('actions.yaml:6:7', 'actions["image.generate"].params.model') },
      { kind: 'variant-added', subject: 'image.generate', summary: '`image.generate` model `max` added at 30 cr', direction: 'loosened', after: at('actions.yaml:13:9', 'actions["image.generate"].price.variants.max') },
    ],
    cells: [
      cell('image.generate', 'basic', { model: 'max', resolution: '1k' }, null, denied(30)),
      cell('image.generate', 'pro', { model: 'max', resolution: '1k' }, null, denied(30)),
      cell('image.generate', 'premium', { model: 'max', resolution: '1k' }, null, ok(30)),
      cell('image.generate', 'basic', { model: 'max', resolution: '2k' }, null, denied(60, ['PLAN_REQUIRED', 'PLAN_REQUIRED'])),
      cell('image.generate', 'pro', { model: 'max', resolution: '2k' }, null, denied(60, ['PLAN_REQUIRED', 'PLAN_REQUIRED'])),
      cell('image.generate', 'premium', { model: 'max', resolution: '2k' }, null, ok(60)),
    ],
    compared: 30,
    text: lines(
      'rule-set diff before → after',
      '',
      '2 rule changes',
      '  parameter-changed  `image.generate` parameter `model`: values added `max`',
      '                     actions.yaml:6:7 → actions.yaml:6:7',
      '  variant-added      `image.generate` model `max` added at 30 cr',
      '                     (none) → actions.yaml:13:9',
      '',
      '6 of 30 plan × action × parameter cells changed',
      '  image.generate  basic    model=max resolution=1k  — → denied 30 cr',
      '  image.generate  pro      model=max resolution=1k  — → denied 30 cr',
      '  image.generate  premium  model=max resolution=1k  — → 30 cr',
      '  image.generate  basic    model=max resolution=2k  — → denied 60 cr',
      '  image.generate  pro      model=max resolution=2k  — → denied 60 cr',
      '  image.generate  premium  model=max resolution=2k  — → 60 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (2)',
      '',
      ...MD_RULES,
      '| parameter-changed | `image.generate` | `image.generate` parameter `model`: values added `max` | actions.yaml:6:7 | actions.yaml:6:7 |',
      '| variant-added | `image.generate` | `image.generate` model `max` added at 30 cr | (none) | actions.yaml:13:9 |',
      '',
      '### Cells that changed (6 of 30)',
      '',
      ...MD_CELLS,
      '| `image.generate` | basic | model=max resolution=1k | — | denied 30 cr |',
      '| `image.generate` | pro | model=max resolution=1k | — | denied 30 cr |',
      '| `image.generate` | premium | model=max resolution=1k | — | 30 cr |',
      '| `image.generate` | basic | model=max resolution=2k | — | denied 60 cr |',
      '| `image.generate` | pro | model=max resolution=2k | — | denied 60 cr |',
      '| `image.generate` | premium | model=max resolution=2k | — | 60 cr |',
      '',
    ),
    guards: ['loosened', 'added', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  Premium: image.generate model=max (new)'],
    groups: ['image.generate plan=basic,pro, model=max, every resolution: new, denied: 30–60 cr, 4 cells', 'image.generate plan=premium, model=max, every resolution: new: 30–60 cr, 2 cells'],
  },
  {
    note: 'a multiplier: ×2 → ×3 reprices every 2k combination on every plan',
    files: edit('actions.yaml', '2k: { factor: 2x, requires: premium+ }', '2k: { factor: 3x, requires: premium+ }'),
    rules: [
      {
        kind: 'multiplier-changed',
        subject: 'image.generate',
        summary: '`image.generate` resolution `2k` multiplier ×2 → ×3',
        direction: 'tightened',
        before: at('actions.yaml:16:11', 'actions["image.generate"].multipliers[0].values["2k"]'),
        after: at('actions.yaml:16:11', 'actions["image.generate"].multipliers[0].values["2k"]'),
        percent: 50,
      },
    ],
    cells: [
      cell('image.generate', 'basic', { model: 'fast', resolution: '2k' }, denied(16), denied(24)),
      cell('image.generate', 'pro', { model: 'fast', resolution: '2k' }, denied(16), denied(24)),
      cell('image.generate', 'premium', { model: 'fast', resolution: '2k' }, ok(16), ok(24)),
      // Basic fails both the model's Pro+ gate and the multiplier's Premium+ gate.
      cell('image.generate', 'basic', { model: 'best', resolution: '2k' }, denied(40, ['PLAN_REQUIRED', 'PLAN_REQUIRED']), denied(60, ['PLAN_REQUIRED', 'PLAN_REQUIRED'])),
      cell('image.generate', 'pro', { model: 'best', resolution: '2k' }, denied(40), denied(60)),
      cell('image.generate', 'premium', { model: 'best', resolution: '2k' }, ok(40), ok(60)),
    ],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  multiplier-changed  `image.generate` resolution `2k` multiplier ×2 → ×3',
      '                      actions.yaml:16:11 → actions.yaml:16:11',
      '',
      '6 of 24 plan × action × parameter cells changed',
      '  image.generate  basic    model=fast resolution=2k  denied 16 cr → denied 24 cr',
      '  image.generate  pro      model=fast resolution=2k  denied 16 cr → denied 24 cr',
      '  image.generate  premium  model=fast resolution=2k  16 cr → 24 cr',
      '  image.generate  basic    model=best resolution=2k  denied 40 cr → denied 60 cr',
      '  image.generate  pro      model=best resolution=2k  denied 40 cr → denied 60 cr',
      '  image.generate  premium  model=best resolution=2k  40 cr → 60 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| multiplier-changed | `image.generate` | `image.generate` resolution `2k` multiplier ×2 → ×3 | actions.yaml:16:11 | actions.yaml:16:11 |',
      '',
      '### Cells that changed (6 of 24)',
      '',
      ...MD_CELLS,
      '| `image.generate` | basic | model=fast resolution=2k | denied 16 cr | denied 24 cr |',
      '| `image.generate` | pro | model=fast resolution=2k | denied 16 cr | denied 24 cr |',
      '| `image.generate` | premium | model=fast resolution=2k | 16 cr | 24 cr |',
      '| `image.generate` | basic | model=best resolution=2k | denied 40 cr | denied 60 cr |',
      '| `image.generate` | pro | model=best resolution=2k | denied 40 cr | denied 60 cr |',
      '| `image.generate` | premium | model=best resolution=2k | 40 cr | 60 cr |',
      '',
    ),
    guards: ['price-increase', 'any'],
    short: ['  pay more     every plan: image.generate resolution=2k (+50%)', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody'],
    groups: ['image.generate resolution=2k, every plan and model: +8 cr per 16 cr (+50%), 6 cells'],
  },
  {
    note: 'an exemption added: a priced action becomes free',
    files: edit('actions.yaml', '    price: 0.5 cr/edit', '    free: launch promotion'),
    rules: [{ kind: 'exemption-added', subject: 'chat.edit', summary: '`chat.edit` is now free: launch promotion', direction: 'loosened', before: at('actions.yaml:2:3', 'actions["chat.edit"]'), after: at('actions.yaml:2:3', 'actions["chat.edit"]') }],
    cells: everyPlan('chat.edit', {}, ok(0.5), ok(0)),
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  exemption-added  `chat.edit` is now free: launch promotion',
      '                   actions.yaml:2:3 → actions.yaml:2:3',
      '',
      '3 of 24 plan × action × parameter cells changed',
      '  chat.edit  basic    (defaults)  0.5 cr → 0 cr',
      '  chat.edit  pro      (defaults)  0.5 cr → 0 cr',
      '  chat.edit  premium  (defaults)  0.5 cr → 0 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| exemption-added | `chat.edit` | `chat.edit` is now free: launch promotion | actions.yaml:2:3 | actions.yaml:2:3 |',
      '',
      '### Cells that changed (3 of 24)',
      '',
      ...MD_CELLS,
      '| `chat.edit` | basic | (defaults) | 0.5 cr | 0 cr |',
      '| `chat.edit` | pro | (defaults) | 0.5 cr | 0 cr |',
      '| `chat.edit` | premium | (defaults) | 0.5 cr | 0 cr |',
      '',
    ),
    guards: ['loosened', 'price-decrease', 'added', 'any'],
    short: ['  pay more     nobody', '  pay less     every plan: chat.edit (-100%)', '  lose access  nobody', '  gain access  nobody'],
    groups: ['chat.edit, every plan: 0.5 cr → free (-100%), 3 cells'],
  },
  {
    note: 'an exemption removed: a free action gets a price',
    files: edit('actions.yaml', '    free: downloads are never charged', '    price: 2 cr'),
    rules: [{ kind: 'exemption-removed', subject: 'site.download', summary: '`site.download` is no longer free: 2 cr', direction: 'tightened', before: at('actions.yaml:20:3', 'actions["site.download"]'), after: at('actions.yaml:20:3', 'actions["site.download"]') }],
    cells: everyPlan('site.download', {}, ok(0), ok(2)),
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  exemption-removed  `site.download` is no longer free: 2 cr',
      '                     actions.yaml:20:3 → actions.yaml:20:3',
      '',
      '3 of 24 plan × action × parameter cells changed',
      '  site.download  basic    (defaults)  0 cr → 2 cr',
      '  site.download  pro      (defaults)  0 cr → 2 cr',
      '  site.download  premium  (defaults)  0 cr → 2 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| exemption-removed | `site.download` | `site.download` is no longer free: 2 cr | actions.yaml:20:3 | actions.yaml:20:3 |',
      '',
      '### Cells that changed (3 of 24)',
      '',
      ...MD_CELLS,
      '| `site.download` | basic | (defaults) | 0 cr | 2 cr |',
      '| `site.download` | pro | (defaults) | 0 cr | 2 cr |',
      '| `site.download` | premium | (defaults) | 0 cr | 2 cr |',
      '',
    ),
    guards: ['tightened', 'price-increase', 'removed', 'any'],
    short: ['  pay more     every plan: site.download (was free)', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody'],
    groups: ['site.download, every plan: free → 2 cr, 3 cells'],
  },
  {
    note: 'an allowance change: a rule change with no cell (cells do not depend on the balance)',
    files: edit('plans.yaml', 'allowance: 5,000 cr', 'allowance: 6,000 cr'),
    rules: [
      { kind: 'allowance-changed', subject: 'pro', summary: 'Pro allowance 5,000 cr → 6,000 cr (+20%)', direction: 'loosened', before: at('plans.yaml:5:5', 'plans[1]'), after: at('plans.yaml:5:5', 'plans[1]'), from: 5000, to: 6000, percent: 20 },
    ],
    cells: [],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  allowance-changed  Pro allowance 5,000 cr → 6,000 cr (+20%)',
      '                     plans.yaml:5:5 → plans.yaml:5:5',
      '',
      '0 of 24 plan × action × parameter cells changed',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| allowance-changed | `pro` | Pro allowance 5,000 cr → 6,000 cr (+20%) | plans.yaml:5:5 | plans.yaml:5:5 |',
      '',
      '### Cells that changed (0 of 24)',
      '',
      ...MD_CELLS,
      '',
    ),
    guards: ['loosened', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody', '  also         Pro allowance 5,000 cr → 6,000 cr (+20%)'],
    groups: [],
  },
  {
    note: 'a quota change: a rule change with no cell (cells start the cycle unused)',
    files: edit('plans.yaml', 'quotas: { site.make: 2 }', 'quotas: { site.make: 1 }'),
    rules: [{ kind: 'quota-changed', subject: 'basic', summary: 'Basic quota for `site.make`: 2 per cycle → 1 per cycle', direction: 'tightened', before: at('plans.yaml:2:5', 'plans[0]'), after: at('plans.yaml:2:5', 'plans[0]') }],
    cells: [],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  quota-changed  Basic quota for `site.make`: 2 per cycle → 1 per cycle',
      '                 plans.yaml:2:5 → plans.yaml:2:5',
      '',
      '0 of 24 plan × action × parameter cells changed',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| quota-changed | `basic` | Basic quota for `site.make`: 2 per cycle → 1 per cycle | plans.yaml:2:5 | plans.yaml:2:5 |',
      '',
      '### Cells that changed (0 of 24)',
      '',
      ...MD_CELLS,
      '',
    ),
    guards: ['tightened', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody', '  also         Basic quota for `site.make`: 2 per cycle → 1 per cycle'],
    groups: [],
  },
  {
    note: 'a quota removed: unlimited',
    files: edit('plans.yaml', '    quotas: { site.make: 2 }\n', ''),
    rules: [{ kind: 'quota-changed', subject: 'basic', summary: 'Basic quota for `site.make`: 2 per cycle → unlimited', direction: 'loosened', before: at('plans.yaml:2:5', 'plans[0]'), after: at('plans.yaml:2:5', 'plans[0]') }],
    cells: [],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  quota-changed  Basic quota for `site.make`: 2 per cycle → unlimited',
      '                 plans.yaml:2:5 → plans.yaml:2:5',
      '',
      '0 of 24 plan × action × parameter cells changed',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| quota-changed | `basic` | Basic quota for `site.make`: 2 per cycle → unlimited | plans.yaml:2:5 | plans.yaml:2:5 |',
      '',
      '### Cells that changed (0 of 24)',
      '',
      ...MD_CELLS,
      '',
    ),
    guards: ['loosened', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody', '  also         Basic quota for `site.make`: 2 per cycle → unlimited'],
    groups: [],
  },
  {
    note: 'a cycle policy change: neutral, trips only `any`',
    files: edit('plans.yaml', 'unused: expire', 'unused: roll-over'),
    rules: [{ kind: 'cycle-changed', subject: 'cycle', summary: 'cycle policy `unused`: expire → roll-over', direction: 'neutral', before: at('plans.yaml:9:1', 'cycle'), after: at('plans.yaml:9:1', 'cycle') }],
    cells: [],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  cycle-changed  cycle policy `unused`: expire → roll-over',
      '                 plans.yaml:9:1 → plans.yaml:9:1',
      '',
      '0 of 24 plan × action × parameter cells changed',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| cycle-changed | `cycle` | cycle policy `unused`: expire → roll-over | plans.yaml:9:1 | plans.yaml:9:1 |',
      '',
      '### Cells that changed (0 of 24)',
      '',
      ...MD_CELLS,
      '',
    ),
    guards: ['any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody', '  also         cycle policy `unused`: expire → roll-over'],
    groups: [],
  },
  {
    note: 'a gate written as a condition: a neutral rule change whose cells trip `tightened`',
    files: edit('actions.yaml', '  business.chat:\n', '    conditions:\n      - id: best-premium\n        when: { all: [{ fact: model, operator: equal, value: best }] }\n        requires: premium+\n        message: the best model\n  business.chat:\n'),
    rules: [{ kind: 'condition-changed', subject: 'image.generate', summary: '`image.generate` condition `best-premium` added', direction: 'neutral', after: at('actions.yaml:18:9', 'actions["image.generate"].conditions[0]') }],
    cells: [cell('image.generate', 'pro', { model: 'best', resolution: '1k' }, ok(20), denied(20))],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  condition-changed  `image.generate` condition `best-premium` added',
      '                     (none) → actions.yaml:18:9',
      '',
      '1 of 24 plan × action × parameter cells changed',
      '  image.generate  pro  model=best resolution=1k  20 cr → denied 20 cr',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| condition-changed | `image.generate` | `image.generate` condition `best-premium` added | (none) | actions.yaml:18:9 |',
      '',
      '### Cells that changed (1 of 24)',
      '',
      ...MD_CELLS,
      '| `image.generate` | pro | model=best resolution=1k | 20 cr | denied 20 cr |',
      '',
    ),
    guards: ['tightened', 'any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  Pro: image.generate model=best resolution=1k', '  gain access  nobody'],
    groups: ['image.generate plan=pro, model=best, resolution=1k: allowed → denied (PLAN_REQUIRED), 20 cr, 1 cell'],
  },
  {
    note: 'the same number per another unit: neither dearer nor cheaper',
    files: edit('actions.yaml', '15 cr/msg', '15 cr/edit'),
    rules: [
      {
        kind: 'phases-changed',
        subject: 'business.chat',
        summary: '`business.chat` is priced differently: 15 cr/msg → 15 cr/edit',
        direction: 'neutral',
        before: at('actions.yaml:19:12', 'actions["business.chat"].price'),
        after: at('actions.yaml:19:12', 'actions["business.chat"].price'),
      },
    ],
    cells: [],
    compared: 24,
    text: lines(
      'rule-set diff before → after',
      '',
      '1 rule change',
      '  phases-changed  `business.chat` is priced differently: 15 cr/msg → 15 cr/edit',
      '                  actions.yaml:19:12 → actions.yaml:19:12',
      '',
      '0 of 24 plan × action × parameter cells changed',
    ),
    md: lines(
      '## Rule-set diff before → after',
      '',
      '### Rule changes (1)',
      '',
      ...MD_RULES,
      '| phases-changed | `business.chat` | `business.chat` is priced differently: 15 cr/msg → 15 cr/edit | actions.yaml:19:12 | actions.yaml:19:12 |',
      '',
      '### Cells that changed (0 of 24)',
      '',
      ...MD_CELLS,
      '',
    ),
    guards: ['any'],
    short: ['  pay more     nobody', '  pay less     nobody', '  lose access  nobody', '  gain access  nobody'],
    groups: [],
  },
];

/** Edits that change nothing a customer or the engine can see. */
const SAME: { note: string; files: YamlFiles }[] = [
  {
    note: 'comments only',
    files: {
      'plans.yaml': `# The plan ladder, lowest first.\n${PLANS.replace('    allowance: 5,000 cr\n', '    allowance: 5,000 cr   # a placeholder\n')}`,
      'actions.yaml': ACTIONS.replace('  site.make:\n', '  # the whole site at once\n  site.make:\n'),
    },
  },
  {
    note: 'key order only',
    files: edit(
      'actions.yaml',
      '    requires: pro+\n    price: 15 cr/msg\n',
      '    price: 15 cr/msg\n    requires: pro+\n',
      edit('actions.yaml', 'model: { values: [fast, best], default: fast }', 'model: { default: fast, values: [fast, best] }'),
    ),
  },
  {
    note: 'formatting and equivalent spellings',
    files: edit('plans.yaml', '1,500 cr', '1500', edit('actions.yaml', '    price: 0.5 cr/edit', '    price:\n      rate: "0.5 credits / edit"')),
  },
  {
    note: 'file layout: an action moved to a file of its own',
    files: { ...edit('actions.yaml', '  site.make:\n    price: 50 cr\n', ''), 'sites.yaml': yaml('actions:', '  site.make: { price: 50 cr }') },
  },
];

describe(diffRuleSets.name, () => {
  let base: CompiledRuleSet;
  beforeAll(async () => {
    base = await compileYaml(BASE);
  });

  describe.each(CASES)('$note', (c) => {
    let sut: RuleSetDiff;
    beforeAll(async () => {
      sut = diffRuleSets(base, await compileYaml(c.files));
    });

    it('lists the rule changes and every plan × action × parameter cell that changed, as JSON', () => {
      expect(sut.to).not.toBe(sut.from);
      expect(JSON.parse(JSON.stringify(sut))).toMatchObject({ from: base.version, to: sut.to, identical: false, rules: c.rules, cells: c.cells, cellsCompared: c.compared });
      expect(sut.groups.reduce((n, g) => n + g.cells, 0)).toBe(c.cells.length);
    });

    it('reads as text: in short, the rule changes, the cells by group, and with --cells each cell', () => {
      expect(diffText(sut, { labels: LABELS, cells: true })).toBe(withGroups(c));
      expect(diffText(sut, { labels: LABELS })).toBe(withGroups(c).split('\n\nevery changed cell')[0]);
    });

    it('reads as Markdown', () => {
      expect(diffMarkdown(sut, { labels: LABELS, cells: true })).toBe(withGroupsMd(c, sut));
    });

    it(`trips ${c.guards.join(', ')} and no other guard`, () => {
      expect(trippedGuards(sut, DIFF_GUARDS)).toEqual(c.guards);
      for (const g of DIFF_GUARDS) expect(trippedGuards(sut, [g])).toEqual(c.guards.includes(g) ? [g] : []);
    });
  });

  describe.each(SAME)('$note', ({ files }) => {
    let sut: RuleSetDiff;
    let after: CompiledRuleSet;
    beforeAll(async () => {
      after = await compileYaml(files);
      sut = diffRuleSets(base, after);
    });

    it('keeps the version and gives an empty diff', () => {
      expect(after.version).toBe(base.version);
      expect(JSON.parse(JSON.stringify(sut))).toEqual({ from: base.version, to: base.version, identical: true, rules: [], cells: [], cellsCompared: 0, groups: [], summary: { payMore: [], payLess: [], loseAccess: [], gainAccess: [], other: [] } });
    });

    it('says so in text and Markdown', () => {
      expect(diffText(sut, { labels: LABELS })).toBe(lines('rule-set diff before → after', '', 'no changes: the rule sets mean the same (formatting, comments and key order do not count)'));
      expect(diffMarkdown(sut, { labels: LABELS })).toBe(lines('## Rule-set diff before → after', '', 'No changes: the rule sets mean the same (formatting, comments and key order do not count).', ''));
    });

    it('trips no guard, not even `any`', () => {
      expect(trippedGuards(sut, DIFF_GUARDS)).toEqual([]);
    });
  });

  it('names each side by its first 12 characters when no label is given', async () => {
    const after = await compileYaml(CASES[0].files);
    const sut = diffRuleSets(base, after);
    expect(diffText(sut).split('\n')[0]).toBe(`rule-set diff ${base.version.slice(0, 12)} → ${after.version.slice(0, 12)}`);
    expect(diffMarkdown(sut).split('\n')[0]).toBe(`## Rule-set diff \`${base.version.slice(0, 12)}\` → \`${after.version.slice(0, 12)}\``);
  });

  it('with cells, lists at most `limit` of them and says how many more there are', async () => {
    const sut = diffRuleSets(base, await compileYaml(edit('actions.yaml', 'fast: { rate: 8 cr }', 'fast: { rate: 6 cr }')));
    expect(diffText(sut, { labels: LABELS, limit: 2, cells: true }).split('\n').slice(-3)).toEqual([
      '  image.generate  basic  model=fast resolution=1k  8 cr → 6 cr',
      '  image.generate  pro    model=fast resolution=1k  8 cr → 6 cr',
      '  … and 4 more (use --format json for all)',
    ]);
    expect(diffMarkdown(sut, { labels: LABELS, limit: 2, cells: true }).split('\n').slice(-5)).toEqual([
      '| `image.generate` | basic | model=fast resolution=1k | 8 cr | 6 cr |',
      '| `image.generate` | pro | model=fast resolution=1k | 8 cr | 6 cr |',
      '',
      '… and 4 more.',
      '',
    ]);
  });
});

describe(trippedGuards.name, () => {
  it('returns the guards asked for that trip, in the order asked', async () => {
    const base = await compileYaml(BASE);
    const removed = diffRuleSets(base, await compileYaml(CASES.find((c) => c.note.startsWith('a removed action'))!.files));
    expect(trippedGuards(removed, ['removed', 'price-increase', 'tightened'])).toEqual(['removed', 'tightened']);
    expect(trippedGuards(removed, [])).toEqual([]);
  });

  it('trips on cells alone: a repriced cell with no rule-level price change', () => {
    const diff: RuleSetDiff = { from: 'a', to: 'b', identical: false, rules: [], cells: [cell('x', 'basic', {}, ok(1), ok(2)), cell('y', 'pro', {}, denied(3), ok(3))], cellsCompared: 2, groups: [], summary: { payMore: [], payLess: [], loseAccess: [], gainAccess: [], other: [] } };
    expect(trippedGuards(diff, DIFF_GUARDS)).toEqual(['loosened', 'price-increase', 'any']);
  });
});
