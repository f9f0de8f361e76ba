import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { SourceFile } from '@ratecard/dsl';
import { BenchAbort, type Settings } from '../settings';
import { median } from '../stats';
import type { CompileFigures } from './compile-child';
import { generateRuleFiles, type GeneratedShape } from './generate-rules';

const run = promisify(execFile);

/** Figures for one rule set: medians over fresh child processes. Times in ms, memory in MB. */
export interface CompileTarget {
  readonly name: string;
  readonly dir: string;
  readonly actions: number;
  readonly cells: number;
  readonly runs: number;
  readonly validateMs: number;
  readonly compileMs: number;
  /** validate + compile. */
  readonly totalMs: number;
  readonly maxRssMB: number;
  /** RSS of the child after loading its modules, before reading the rules. */
  readonly baselineRssMB: number;
  readonly heapUsedMB: number;
  readonly totalMsByRun: readonly number[];
  readonly maxRssMBByRun: readonly number[];
}

export interface CompileResult {
  readonly bundled: CompileTarget;
  readonly generated: CompileTarget & { readonly shape: GeneratedShape };
  /** A CPU profile of one more compile of the generated set (`--profile`; not in the figures). */
  readonly profile?: string;
}

/** The generated 2,000-action rule set, written where the report can point to it. */
export async function writeGeneratedRules(settings: Settings, count = 2_000): Promise<{ dir: string; files: SourceFile[]; shape: GeneratedShape }> {
  const { files, shape } = generateRuleFiles(count, settings.seed);
  const dir = join(settings.outDir, 'generated-rules');
  await rm(dir, { recursive: true, force: true });
  for (const f of files) {
    const path = join(dir, f.path.replace(/^generated\//, ''));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.text);
  }
  return { dir, files, shape };
}

/** Section 2: validate + compile time and peak memory of a fresh process, bundled and generated. */
export async function compileSection(settings: Settings, generated: { dir: string; shape: GeneratedShape }, log: (line: string) => void): Promise<CompileResult> {
  const runs = settings.quick ? 1 : 3;
  const bundled = await measure('bundled rules/', join(settings.root, 'rules'), runs, log);
  const big = await measure(`generated ${generated.shape.actions} actions`, generated.dir, runs, log);
  let profile: string | undefined;
  if (settings.profile) {
    const dir = join(settings.outDir, 'profiles', 'compile');
    await rm(dir, { recursive: true, force: true });
    await run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-name=generated.cpuprofile', join(__dirname, 'compile-child.js'), generated.dir], { maxBuffer: 1 << 20 });
    profile = join(dir, 'generated.cpuprofile');
  }
  return { bundled, generated: { ...big, shape: generated.shape }, ...(profile ? { profile } : {}) };
}

async function measure(name: string, dir: string, runs: number, log: (line: string) => void): Promise<CompileTarget> {
  const figures: CompileFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, [join(__dirname, 'compile-child.js'), dir], { maxBuffer: 1 << 20 }).catch((e: { stderr?: string; message: string }) => {
      throw new BenchAbort(`compiling ${name} in a child process failed: ${e.stderr || e.message}`);
    });
    const f = JSON.parse(stdout) as CompileFigures;
    if (f.errors > 0 || f.actions === 0) throw new BenchAbort(`${name} do not compile (${f.errors} errors); run \`npm run ratecard -- validate --rules ${dir}\``);
    figures.push(f);
    log(`${name}: validate ${f.validateMs.toFixed(0)} ms + compile ${f.compileMs.toFixed(0)} ms, max RSS ${f.maxRssMB.toFixed(0)} MB (run ${i + 1}/${runs})`);
  }
  const total = figures.map((f) => f.validateMs + f.compileMs);
  return {
    name,
    dir,
    actions: figures[0].actions,
    cells: figures[0].cells,
    runs,
    validateMs: median(figures.map((f) => f.validateMs)),
    compileMs: median(figures.map((f) => f.compileMs)),
    totalMs: median(total),
    maxRssMB: median(figures.map((f) => f.maxRssMB)),
    baselineRssMB: median(figures.map((f) => f.baselineRssMB)),
    heapUsedMB: median(figures.map((f) => f.heapUsedMB)),
    totalMsByRun: total,
    maxRssMBByRun: figures.map((f) => f.maxRssMB),
  };
}
