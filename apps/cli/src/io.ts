/** What a command may touch: output streams and the working directory. Tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The clock; tests freeze it. */
  now(): Date;
}

/** The process's own streams. A closed pipe (`ratecard table | head`) ends output quietly. */
export function processIo(): CliIo {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
  };
}

/**
 * Exit codes: 0 success, 1 the rules or cases are wrong, 2 the command line is wrong (including a
 * version name that names no version, or more than one), 3 a guard refused (a diff's `--fail-on`,
 * an activation that would hurt live accounts).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3 } as const;

/** A command-line mistake: printed with the usage, exit 2. */
export class UsageError extends Error {}
