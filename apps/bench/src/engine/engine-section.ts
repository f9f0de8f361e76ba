import type { CompiledRuleSet } from '@ratecard/engine';
import { us } from '../format';
import { BenchAbort, type Settings } from '../settings';
import { median, summarize } from '../stats';
import { calibrateTimer, sampleAsync, sampleSync, throughputAsync, throughputSync, type TimerCalibration } from '../timing';
import { contenders, ruleCount, type Answer, type Contender } from './contenders';
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
}

/** Builds the mix for a compiled rule set: the same shape of traffic for any rule set. */
export function mixFor(compiled: CompiledRuleSet, settings: Settings, weights = BUNDLED_WEIGHTS): MixEntry[] {
  return requestMix(compiled, { seed: settings.seed, count: settings.quick ? 4_000 : 10_000, weights });
}

/**
 * Section 1: decide against json-rules-engine (one Engine; one per action) and a hand-written
 * function, over the same mix, after checking they all give the same answers.
 */
export async function engineSection(compiled: CompiledRuleSet, settings: Settings, log: (line: string) => void, more: readonly Contender[] = []): Promise<EngineResult> {
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
