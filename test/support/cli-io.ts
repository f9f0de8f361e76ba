import type { CliIo } from '../../apps/cli/src/io';
import { run } from '../../apps/cli/src/cli';
import { NOW, REPO_ROOT } from './rules';

/** What a CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CliIo that records what is printed, with a frozen clock and no environment. */
export function captureIo(options: { cwd?: string; now?: Date } = {}): CliIo & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const now = options.now ?? NOW;
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    cwd: options.cwd ?? REPO_ROOT,
    env: {},
    now: () => new Date(now.getTime()),
  };
}

/** Runs the CLI in-process, as `ratecard <argv>` would from `cwd` (the repository root by default). */
export async function ratecard(argv: readonly string[], options: { cwd?: string } = {}): Promise<CliResult> {
  const io = captureIo(options);
  const code = await run(argv, io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}
