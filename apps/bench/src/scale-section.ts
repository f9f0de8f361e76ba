import type { SourceFile } from '@ratecard/dsl';
import { decide, type CompiledRuleSet } from '@ratecard/engine';
import { NOW } from './engine/contenders';
import { mixFor } from './engine/engine-section';
import type { MixEntry } from './engine/mix';
import { specs, type Fixture } from './http/http-section';
import { load, type LoadFigures } from './http/load';
import { compileOrAbort } from './rules';
import { BenchAbort, type Settings } from './settings';
import { median, summarize } from './stats';
import { calibrateTimer, sampleSync, throughputSync } from './timing';

/** Decisions over HTTP against one database: every alternating run, and their medians. */
export interface AccountsScale {
  readonly accounts: number;
  readonly runs: readonly LoadFigures[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly perSecond: number;
}

/** `decide` over a mix for one rule set: medians of interleaved rounds, in ns. */
export interface ActionsScale {
  readonly name: string;
  readonly actions: number;
  readonly cells: number;
  readonly mix: string;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly meanNs: number;
  readonly p50ByRound: readonly number[];
}

/** Section 4: accounts (over HTTP) and actions (in process), each present when it ran. */
export interface ScaleResult {
  readonly accounts: AccountsScaleResult;
  readonly actions: ActionsScaleResult;
}

export interface AccountsScaleResult {
  readonly secondsPerRun: number;
  readonly small: AccountsScale;
  readonly large: AccountsScale;
  /** p50 latency with 100,000 accounts over p50 with 100. */
  readonly p50Ratio: number;
  readonly perSecondRatio: number;
}

export interface ActionsScaleResult {
  readonly bundled: ActionsScale;
  readonly generated: ActionsScale;
  /** The generated rules with traffic over only some of their actions: how much the working set matters. */
  readonly workingSet: readonly ActionsScale[];
  /** The bundled mix against the bundled rules plus the 2,000 generated actions: same requests, bigger rule set. */
  readonly union: ActionsScale;
  readonly generatedCompileMs: number;
  /** decide p50 on the generated set over decide p50 on the bundled rules. */
  readonly p50Ratio: number;
  readonly unionP50Ratio: number;
}

/**
 * Section 4, accounts: does the cost of a decision grow with the number of accounts? HTTP decisions
 * against 100 and 100,000 accounts, runs alternating between the two servers so drift hits both alike.
 */
export async function scaleAccounts(settings: Settings, small: Fixture, large: Fixture, log: (line: string) => void): Promise<AccountsScaleResult> {
  const rounds = settings.quick ? 2 : 5;
  const seconds = settings.quick ? 2 : 3;
  const warmup = settings.quick ? 1 : 2;
  const smallSpec = specs(small).decisions;
  const largeSpec = specs(large).decisions;
  // The large server already served section 3; the fresh small one gets a longer warm-up.
  await load(smallSpec, 3 * warmup);
  await load(largeSpec, warmup);
  const smallRuns: LoadFigures[] = [];
  const largeRuns: LoadFigures[] = [];
  for (let r = 0; r < rounds; r++) {
    smallRuns.push(await load(smallSpec, seconds));
    largeRuns.push(await load(largeSpec, seconds));
    for (const f of [small, large]) if (!f.server.running) throw new BenchAbort(`the ${f.server.name} server stopped:\n${await f.server.tail()}`);
    const s = smallRuns[r];
    const l = largeRuns[r];
    log(`round ${r + 1}/${rounds}: ${small.accounts.length} accounts p50 ${s.p50Ms} ms ${s.perSecond.toFixed(0)} req/s; ${large.accounts.length} accounts p50 ${l.p50Ms} ms ${l.perSecond.toFixed(0)} req/s`);
  }
  const summary = (accounts: number, runs: LoadFigures[]): AccountsScale => ({
    accounts,
    runs,
    p50Ms: median(runs.map((x) => x.p50Ms)),
    p99Ms: median(runs.map((x) => x.p99Ms)),
    perSecond: median(runs.map((x) => x.perSecond)),
  });
  const smallScale = summary(small.accounts.length, smallRuns);
  const largeScale = summary(large.accounts.length, largeRuns);
  return { secondsPerRun: seconds, small: smallScale, large: largeScale, p50Ratio: largeScale.p50Ms / smallScale.p50Ms, perSecondRatio: largeScale.perSecond / smallScale.perSecond };
}

/**
 * Section 4, actions: does the cost of `decide` grow with the number of actions? The bundled rules
 * against 2,000 generated actions, the generated set with traffic over fewer of its actions, and the
 * bundled requests against the bundled rules plus the generated actions. Interleaved rounds, medians.
 */
export async function scaleActions(
  settings: Settings,
  compiled: CompiledRuleSet,
  bundledFiles: readonly SourceFile[],
  generatedFiles: readonly SourceFile[],
  log: (line: string) => void,
): Promise<ActionsScaleResult> {
  const t0 = process.hrtime.bigint();
  const generated = await compileOrAbort(generatedFiles, 'the generated rules');
  const generatedCompileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const union = await compileOrAbort([...bundledFiles, ...generatedFiles.filter((f) => !f.path.endsWith('plans.yaml'))], 'the bundled rules plus the generated actions');
  log(`compiled ${generated.actions.size} generated actions in this process in ${(generatedCompileMs / 1000).toFixed(1)} s, and the union (${union.actions.size} actions)`);
  const bundledMix = mixFor(compiled, settings);
  const ids = [...generated.actions.keys()];
  const over = (n: number): Record<string, number> => Object.fromEntries(ids.map((id, i) => [id, i % Math.floor(ids.length / n) === 0 ? 1 : 0]));
  const targets = [
    { name: 'bundled rules', compiled, mix: bundledMix, mixName: 'bundled mix' },
    { name: 'generated rules', compiled: generated, mix: mixFor(generated, settings, {}), mixName: `generated mix over all ${ids.length} actions` },
    { name: 'generated rules', compiled: generated, mix: mixFor(generated, settings, over(20)), mixName: 'generated mix over 20 of its actions' },
    { name: 'generated rules', compiled: generated, mix: mixFor(generated, settings, over(200)), mixName: 'generated mix over 200 of its actions' },
    { name: 'bundled + generated', compiled: union, mix: bundledMix, mixName: 'bundled mix' },
  ];
  const timer = calibrateTimer(200_000);
  const engineRounds = settings.quick ? 3 : 5;
  const n = settings.quick ? 100_000 : 300_000;
  const byTarget = targets.map(() => ({ p50: [] as number[], p99: [] as number[], mean: [] as number[] }));
  for (const t of targets) throughputSync(t.mix, 300, (e: MixEntry) => decide(t.compiled, e.account, e.request, NOW));
  for (let r = 0; r < engineRounds; r++) {
    targets.forEach((t, i) => {
      const run = (e: MixEntry): unknown => decide(t.compiled, e.account, e.request, NOW);
      const tp = throughputSync(t.mix, settings.quick ? 100 : 250, run);
      const s = summarize(sampleSync(t.mix, n, r * 7919, timer.overheadNs, run));
      byTarget[i].p50.push(s.p50);
      byTarget[i].p99.push(s.p99);
      byTarget[i].mean.push(1e9 / tp.perSecond);
    });
  }
  const actionsScale = targets.map((t, i): ActionsScale => {
    let cells = 0;
    for (const ca of t.compiled.actions.values()) cells += ca.cells.length;
    return {
      name: t.name,
      actions: t.compiled.actions.size,
      cells,
      mix: t.mixName,
      p50Ns: median(byTarget[i].p50),
      p99Ns: median(byTarget[i].p99),
      meanNs: median(byTarget[i].mean),
      p50ByRound: byTarget[i].p50,
    };
  });
  const [bundled, gen, over20, over200, both] = actionsScale;
  for (const a of actionsScale) log(`decide p50 ${a.p50Ns} ns: ${a.name} (${a.actions} actions), ${a.mix}`);
  return {
    bundled,
    generated: gen,
    workingSet: [over20, over200],
    union: both,
    generatedCompileMs,
    p50Ratio: gen.p50Ns / bundled.p50Ns,
    unionP50Ratio: both.p50Ns / bundled.p50Ns,
  };
}
