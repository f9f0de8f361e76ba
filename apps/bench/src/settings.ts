import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** The sections of the report, in order. */
export const SECTIONS = ['engine', 'compile', 'http', 'scale', 'pg', 'studio'] as const;
export type Section = (typeof SECTIONS)[number];

/** How this run was asked for. */
export interface Settings {
  /** Shorter measurements (for development; figures are noisier). */
  readonly quick: boolean;
  readonly only: ReadonlySet<Section>;
  /** Seed of every generated request and rule set. */
  readonly seed: number;
  /** The repository root (rules/, dist/). */
  readonly root: string;
  readonly outDir: string;
  /** LOG_LEVEL of the API server under load. */
  readonly serverLogLevel: string;
  /** Profile the API servers (node --cpu-prof) and summarise where their time goes. */
  readonly profile: boolean;
}

/** A failed precondition (contenders disagree, the server does not start): stop, say why. */
export class BenchAbort extends Error {
  override readonly name = 'BenchAbort';
}

const USAGE = `usage: npm run bench -- [--quick] [--only engine|compile|http|scale|pg|studio[,...]] [--seed N] [--server-log-level info] [--profile]`;

export function parseSettings(argv: readonly string[], cwd: string): Settings {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      seed: { type: 'string', default: '20260320' },
      out: { type: 'string', default: 'test/bench/results' },
      'server-log-level': { type: 'string', default: 'info' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new BenchAbort(USAGE);
  const only = new Set<Section>();
  for (const raw of values.only.flatMap((o) => o.split(','))) {
    const name = raw.trim() as Section;
    if (!SECTIONS.includes(name)) throw new BenchAbort(`unknown section \`${raw}\`; sections are ${SECTIONS.join(', ')}\n${USAGE}`);
    only.add(name);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new BenchAbort(`--seed must be a whole number\n${USAGE}`);
  return {
    quick: values.quick,
    only: only.size ? only : new Set(SECTIONS),
    seed,
    root: cwd,
    outDir: resolve(cwd, values.out),
    serverLogLevel: values['server-log-level'],
    profile: values.profile,
  };
}
