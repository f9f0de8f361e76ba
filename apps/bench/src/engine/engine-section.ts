import { decide, type CompiledRuleSet } from '@ratecard/engine';
import { us } from '../format';
import { BenchAbort, type Settings } from '../settings';
import { median, summarize } from '../stats';
import { calibrateTimer, sampleAsync, sampleSync, throughputAsync, throughputSync, type TimerCalibration } from '../timing';
import { contenders, NOW, ruleCount, type Answer, type Contender } from './contenders';
import { BUNDLED_WEIGHTS, requestMix, type MixEntry } from './mix';

/** One contender's figures: medians over the rounds. Latencies in nanoseconds per decision. */
export interface ContenderResult {
  readonly key: string;
  readonly label: string;
  readonly p50Ns: number;
  readonly p90Ns: number;
  readonly p99Ns: number;
  /** Mean time per decision from the throughput loop (no per-call timer). */
  readonly meanNs: number;
  readonly perSecond: number;
  readonly samplesPerRound: number;
  /** p50 of each round, to show the spread. */
  readonly p50ByRound: readonly number[];
  readonly perSecondByRound: readonly number[];
}

export interface MixFigures {
  readonly seed: number;
  readonly count: number;
  readonly kinds: Readonly<Record<string, number>>;
  /** Outcomes as `decide` answers them: allowed, or the first reason code. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly actions: number;
  readonly plans: number;
}

export interface EngineResult {
  readonly actions: number;
  readonly jreRules: number;
  readonly cells: number;
  readonly mix: MixFigures;
  readonly timer: TimerCalibration;
  readonly rounds: number;
  readonly contenders: readonly ContenderResult[];
  /** Differences beyond allowed/cost/codes (messages, receipts) between decide and the json-rules-engine paths. */
  readonly detailMismatches: Readonly<Record<string, number>>;
  /** decide alone over the generated rule set (promotions, per-plan prices), when it was measured. */
  readonly generated?: GeneratedDecideResult;
}

/** decide over the generated rules: the same targets as the bundled rules, with time segments in play. */
export interface GeneratedDecideResult {
  readonly actions: number;
  readonly cells: number;
  readonly promotions: number;
  /** Actions whose price changes over time (their own promotions or their phases'). */
  readonly timelines: number;
  /** The actions the mix asks about: half of them with a timeline. */
  readonly workingSet: number;
  readonly mix: number;
  readonly outcomes: Readonly<Record<string, number>>;
  /** decide on the generated rules with their promotions. */
  readonly withPromotions: { readonly p50Ns: number; readonly p99Ns: number; readonly meanNs: number; readonly p50ByRound: readonly number[] };
  /** decide on the same rules and requests without promotions.yaml. */
  readonly withoutPromotions: { readonly p50Ns: number; readonly p99Ns: number; readonly meanNs: number; readonly p50ByRound: readonly number[] };
}

/**
 * decide over the generated 2,000 actions with their promotions and per-plan prices, at the bench's
 * decision time (some sales running, some upcoming), against the same rules without promotions: the
 * same requests over 20 actions (10 whose price changes over time), in interleaved rounds. What
 * picking a segment of time costs, and whether the engine targets hold with it.
 */
export function generatedDecide(sets: { readonly withPromotions: CompiledRuleSet; readonly withoutPromotions: CompiledRuleSet }, settings: Settings, timer: TimerCalibration, log: (line: string) => void): GeneratedDecideResult {
  const compiled = sets.withPromotions;
  const timed = [...compiled.actions.values()].filter((ca) => ca.timeline).map((ca) => ca.action.id);
  const steady = [...compiled.actions.values()].filter((ca) => !ca.timeline && ca.action.kind !== 'free').map((ca) => ca.action.id);
  const pick = (ids: string[], n: number): string[] => ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / n)) === 0).slice(0, n);
  const working = [...pick(timed, 10), ...pick(steady, 10)];
  const weights = Object.fromEntries([...compiled.actions.keys()].map((id) => [id, working.includes(id) ? 1 : 0]));
  const mix = mixFor(compiled, settings, weights);
  const outcomes: Record<string, number> = {};
  for (const e of mix) {
    const d = decide(compiled, e.account, e.request, NOW);
    const o = d.allowed ? 'allowed' : d.reasons[0].code;
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  const sides = (['withPromotions', 'withoutPromotions'] as const).map((key) => ({ key, run: (e: MixEntry): unknown => decide(sets[key], e.account, e.request, NOW), p50: [] as number[], p99: [] as number[], mean: [] as number[] }));
  for (const side of sides) throughputSync(mix, settings.quick ? 200 : 500, side.run);
  const rounds = settings.quick ? 3 : 5;
  const n = settings.quick ? 100_000 : 300_000;
  for (let r = 0; r < rounds; r++) {
    for (const side of sides) {
      side.mean.push(1e9 / throughputSync(mix, settings.quick ? 100 : 250, side.run).perSecond);
      const s = summarize(sampleSync(mix, n, r * 7919, timer.overheadNs, side.run));
      side.p50.push(s.p50);
      side.p99.push(s.p99);
    }
    log(`generated rules, round ${r + 1}/${rounds}: decide p50 ${us(sides[0].p50[r])} with promotions, ${us(sides[1].p50[r])} without`);
  }
  let cells = 0;
  for (const ca of compiled.actions.values()) for (const seg of ca.timeline ? new Set(ca.timeline.segments) : [ca.cells]) cells += seg.length;
  const figures = (side: (typeof sides)[number]) => ({ p50Ns: median(side.p50), p99Ns: median(side.p99), meanNs: median(side.mean), p50ByRound: side.p50 });
  return {
    actions: compiled.actions.size,
    cells,
    promotions: compiled.ruleset.promotions.length,
    timelines: timed.length,
    workingSet: working.length,
    mix: mix.length,
    outcomes,
    withPromotions: figures(sides[0]),
    withoutPromotions: figures(sides[1]),
  };
}

/** Builds the mix for a compiled rule set: the same shape of traffic for any rule set. */
export function mixFor(compiled: CompiledRuleSet, settings: Settings, weights = BUNDLED_WEIGHTS): MixEntry[] {
  return requestMix(compiled, { seed: settings.seed, count: settings.quick ? 4_000 : 10_000, weights });
}

/**
 * Section 1: decide against json-rules-engine (one Engine; one per action) and a hand-written
 * function, over the same mix, after checking they all give the same answers.
 */
export async function engineSection(
  compiled: CompiledRuleSet,
  settings: Settings,
  log: (line: string) => void,
  generated?: { readonly withPromotions: CompiledRuleSet; readonly withoutPromotions: CompiledRuleSet },
  more: readonly Contender[] = [],
): Promise<EngineResult> {
  const timer = calibrateTimer();
  log(`timer: one process.hrtime.bigint() read costs ${timer.overheadNs} ns (median; p99 ${timer.p99Ns} ns), subtracted from every sample`);
  const mix = mixFor(compiled, settings);
  const all = [...contenders(compiled), ...more];

  log(`checking ${all.length} contenders agree on ${mix.length} requests...`);
  const reference = mix.map((e) => all[0].answer(e) as Answer);
  const detailMismatches: Record<string, number> = {};
  for (const c of all.slice(1)) detailMismatches[c.key] = await agree(c, mix, reference);

  const kinds: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < mix.length; i++) {
    kinds[mix[i].kind] = (kinds[mix[i].kind] ?? 0) + 1;
    const o = reference[i].allowed ? 'allowed' : reference[i].codes.split(',')[0];
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }

  const rounds = settings.quick ? 3 : 5;
  const throughputMs = settings.quick ? 150 : 400;
  const sampleBudgetMs = settings.quick ? 200 : 600;
  // Warm up every contender (JIT, inline caches) and estimate its cost for the sample counts.
  const estimate = new Map<string, number>();
  for (const c of all) {
    const t = c.sync ? throughputSync(mix, settings.quick ? 200 : 500, c.run) : await throughputAsync(mix, settings.quick ? 200 : 500, c.run);
    estimate.set(c.key, 1e9 / t.perSecond);
  }
  const perRound = new Map<string, { p50: number; p90: number; p99: number; perSecond: number; n: number }[]>();
  for (let r = 0; r < rounds; r++) {
    // Interleaved, so drift (thermal, other load) spreads over every contender alike.
    for (const c of all) {
      const t = c.sync ? throughputSync(mix, throughputMs, c.run) : await throughputAsync(mix, throughputMs, c.run);
      // As many samples as fit the budget at the speed just measured (and at least the warm-up's).
      const est = Math.min(estimate.get(c.key)!, 1e9 / t.perSecond) + timer.overheadNs;
      const n = Math.max(1_000, Math.min(2_000_000, Math.round((sampleBudgetMs * 1e6) / est)));
      const offset = r * 7919;
      const samples = c.sync ? sampleSync(mix, n, offset, timer.overheadNs, c.run) : await sampleAsync(mix, n, offset, timer.overheadNs, c.run);
      const s = summarize(samples);
      const list = perRound.get(c.key) ?? [];
      list.push({ p50: s.p50, p90: s.p90, p99: s.p99, perSecond: t.perSecond, n });
      perRound.set(c.key, list);
    }
    log(`round ${r + 1}/${rounds}: ${all.map((c) => `${c.key} p50 ${us(perRound.get(c.key)![r].p50)}`).join(', ')}`);
  }

  const results = all.map((c): ContenderResult => {
    const list = perRound.get(c.key)!;
    const perSecond = median(list.map((x) => x.perSecond));
    return {
      key: c.key,
      label: c.label,
      p50Ns: median(list.map((x) => x.p50)),
      p90Ns: median(list.map((x) => x.p90)),
      p99Ns: median(list.map((x) => x.p99)),
      meanNs: 1e9 / perSecond,
      perSecond,
      samplesPerRound: median(list.map((x) => x.n)),
      p50ByRound: list.map((x) => x.p50),
      perSecondByRound: list.map((x) => x.perSecond),
    };
  });
  let cells = 0;
  for (const ca of compiled.actions.values()) cells += ca.cells.length;
  return {
    actions: compiled.actions.size,
    jreRules: ruleCount(compiled),
    cells,
    mix: { seed: settings.seed, count: mix.length, kinds, outcomes, actions: compiled.actions.size, plans: compiled.ruleset.plans.length },
    timer,
    rounds,
    contenders: results,
    detailMismatches,
    ...(generated ? { generated: generatedDecide(generated, settings, timer, log) } : {}),
  };
}

/**
 * Aborts when `c` disagrees with decide on allowed, cost or reason codes for any request.
 * Returns how many answers differ only in messages or receipt lines (reported, not fatal).
 */
async function agree(c: Contender, mix: readonly MixEntry[], reference: readonly Answer[]): Promise<number> {
  const wrong: string[] = [];
  let detail = 0;
  for (let i = 0; i < mix.length; i++) {
    const got = c.sync ? c.answer(mix[i]) : await c.answer(mix[i]);
    const want = reference[i];
    if (got.allowed !== want.allowed || got.costMc !== want.costMc || got.codes !== want.codes) {
      if (wrong.length < 10) {
        wrong.push(
          `  #${i} ${JSON.stringify(mix[i].account)} ${JSON.stringify(mix[i].request)}\n` +
            `    decide: allowed=${want.allowed} cost=${want.costMc}mc reasons=[${want.codes}]\n` +
            `    ${c.key}: allowed=${got.allowed} cost=${got.costMc}mc reasons=[${got.codes}]`,
        );
      } else wrong.push('');
    } else if (got.detail !== undefined && got.detail !== want.detail) detail++;
  }
  if (wrong.length > 0) {
    throw new BenchAbort(`${c.label} disagrees with decide on ${wrong.length} of ${mix.length} requests; nothing was timed. First ones:\n${wrong.filter(Boolean).join('\n')}`);
  }
  return detail;
}
