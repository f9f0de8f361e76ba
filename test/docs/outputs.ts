/**
 * Outputs shown in the docs, regenerated from the CLI (and the API) so they cannot drift.
 *
 * A doc marks each generated block with a comment naming it, right before its fence:
 *
 *     <!-- output: publish-refused -->
 *     ```
 *     (replaced by the session's transcript for `publish-refused`)
 *     ```
 *
 * A session (one per doc, see `*.session.ts`) runs the story the doc tells, on a frozen clock in
 * a scratch directory, and records a transcript per id. `npm run docs:outputs` writes them into the
 * docs; `test/docs/outputs.e2e-spec.ts` fails when a doc differs from what its session prints.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../apps/cli/src/cli';
import type { CliIo } from '../../apps/cli/src/io';

const MARKER = /^<!-- output: ([a-z0-9-]+) -->$/;

/** What a doc's markers name, in order. */
export function markers(doc: string): string[] {
  return doc.split('\n').flatMap((line) => MARKER.exec(line)?.[1] ?? []);
}

/** The doc with every marked block's content replaced by its transcript. Throws on a marker without a block or a transcript. */
export function render(doc: string, outputs: ReadonlyMap<string, string>): string {
  const lines = doc.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    const id = MARKER.exec(lines[i])?.[1];
    if (!id) continue;
    const transcript = outputs.get(id);
    if (transcript === undefined) throw new Error(`no output \`${id}\` (line ${i + 1})`);
    const fence = lines[i + 1];
    if (!fence?.startsWith('```')) throw new Error(`the marker \`${id}\` (line ${i + 1}) is not followed by a fenced block`);
    const end = lines.findIndex((l, j) => j > i + 1 && l === '```');
    if (end < 0) throw new Error(`the block of \`${id}\` (line ${i + 2}) is not closed`);
    out.push(fence, ...transcript.replace(/\n+$/, '').split('\n'), '```');
    i = end;
  }
  return out.join('\n');
}

/** One session: a scratch directory, a database in it, a clock, and the transcripts recorded so far. */
export class Session {
  readonly dir = mkdtempSync(join(tmpdir(), 'ratecard-docs-'));
  readonly outputs = new Map<string, string>();
  private clock: Date;

  constructor(
    start: Date,
    readonly user = 'alice',
  ) {
    this.clock = start;
  }

  get now(): Date {
    return new Date(this.clock.getTime());
  }

  /** Moves the clock on. */
  advance(ms: number): void {
    this.clock = new Date(this.clock.getTime() + ms);
  }

  set(at: Date): void {
    this.clock = at;
  }

  get databaseUrl(): string {
    return `sqlite:${join(this.dir, 'ratecard.db')}`;
  }

  /**
   * Runs `ratecard <argv>` in the session's directory as the PM would, and returns what the
   * terminal shows (stdout and stderr in the order they were written) and the exit code. With an
   * `id`, the transcript (`$ ratecard ...` and the output) is recorded for the doc's marker.
   */
  async cli(id: string | undefined, argv: readonly string[], options: { shown?: string; cwd?: string } = {}): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const io: CliIo = {
      out: (t) => void lines.push(t.replace(/\n$/, '')),
      err: (t) => void lines.push(t.replace(/\n$/, '')),
      cwd: options.cwd ?? this.dir,
      env: { DATABASE_URL: this.databaseUrl, USER: this.user },
      now: () => this.now,
    };
    const code = await run(argv, io);
    const text = lines.join('\n');
    if (id) this.record(id, `$ ${options.shown ?? ['ratecard', ...argv.map(quote)].join(' ')}\n${text}`);
    return { code, text };
  }

  /** Records a transcript made another way (an HTTP call, several commands). */
  record(id: string, transcript: string): void {
    if (this.outputs.has(id)) throw new Error(`output \`${id}\` recorded twice`);
    this.outputs.set(id, transcript);
  }
}

/** An argument as a shell would need it written. */
function quote(arg: string): string {
  return /^[\w./=:,+@%~-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}
