/**
 * A fresh process that only loads, validates and compiles a rule directory, then prints its
 * figures as one JSON line. The parent reads its peak memory (max RSS) from here, so nothing else
 * (HTTP clients, databases) is loaded.
 */
import { loadRuleSet } from '@ratecard/dsl';
import { compile } from '@ratecard/engine';
import { DirectoryRuleSource } from '@ratecard/sources';

/** What the child reports. Times in milliseconds, memory in MB (10^6 bytes). */
export interface CompileFigures {
  readonly readMs: number;
  readonly validateMs: number;
  readonly compileMs: number;
  readonly baselineRssMB: number;
  readonly maxRssMB: number;
  readonly heapUsedMB: number;
  readonly actions: number;
  readonly cells: number;
  readonly errors: number;
}

async function child(dir: string): Promise<CompileFigures> {
  const mb = (bytes: number): number => bytes / 1e6;
  const baselineRssMB = mb(process.memoryUsage.rss());
  const t0 = process.hrtime.bigint();
  const files = await new DirectoryRuleSource(dir, dir).load();
  const t1 = process.hrtime.bigint();
  const loaded = loadRuleSet(files);
  const t2 = process.hrtime.bigint();
  const result = loaded.ruleset ? await compile(loaded.ruleset) : undefined;
  const t3 = process.hrtime.bigint();
  let cells = 0;
  for (const ca of result?.compiled?.actions.values() ?? []) cells += ca.cells.length;
  const errors = [...loaded.diagnostics, ...(result?.diagnostics ?? [])].filter((d) => d.severity === 'error').length;
  return {
    readMs: Number(t1 - t0) / 1e6,
    validateMs: Number(t2 - t1) / 1e6,
    compileMs: Number(t3 - t2) / 1e6,
    baselineRssMB,
    // maxRSS is in KiB on Linux.
    maxRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
    heapUsedMB: mb(process.memoryUsage().heapUsed),
    actions: result?.compiled?.actions.size ?? 0,
    cells,
    errors,
  };
}

if (require.main === module) {
  void child(process.argv[2]).then(
    (figures) => process.stdout.write(JSON.stringify(figures) + '\n'),
    (e: unknown) => {
      process.stderr.write(`compile child failed: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
