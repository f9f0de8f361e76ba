import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { SourceFile } from '@ratecard/dsl';
import { Drafts, isSafeRulePath } from '@ratecard/ledger';
import { withStore } from '../db';
import { EXIT, UsageError, type CliIo } from '../io';

export interface PullOptions {
  /** A version id or unique prefix, or a draft id (`draft_…`). */
  readonly what: string;
  readonly to: string;
  /** A draft's revision (the latest by default). */
  readonly revision?: string;
  /** Remove the other `*.yaml` files directly in the directory, so it holds exactly what was pulled. */
  readonly prune: boolean;
}

/**
 * `ratecard pull <version|draft> --to DIR`: writes a published version's files (or a draft's, from
 * the Studio) to a directory, as written, so a team that keeps its rules in git can commit them.
 * Files that are already so are left alone; other rule files in DIR are listed (`--prune` removes them).
 */
export async function pull(io: CliIo, opts: PullOptions): Promise<number> {
  let revision: number | undefined;
  if (opts.revision !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(opts.revision)) throw new UsageError(`--revision takes a revision number, got \`${opts.revision}\``);
    if (!opts.what.startsWith('draft_')) throw new UsageError('--revision is for drafts; a version has one set of files');
    revision = Number(opts.revision);
  }
  const { label, files } = await withStore(
    io,
    async ({ db, versions }) => {
      if (opts.what.startsWith('draft_')) {
        const draft = await new Drafts(db, versions).get(opts.what, revision);
        return { label: `draft ${draft.id} (${draft.name}) revision ${draft.shownRevision}`, files: draft.files };
      }
      const version = await versions.get(opts.what);
      return { label: `version ${version.version.slice(0, 12)}`, files: version.sources };
    },
    { mustExist: true },
  );
  const unsafe = files.filter((f) => !isSafeRulePath(f.path));
  if (unsafe.length) {
    for (const f of unsafe) io.err(`${f.path}: unsafe-path: \`${f.path}\` would be written outside \`${opts.to}\` or is not a rule file name`);
    io.err(`not pulled: ${label} has files that cannot be written safely; nothing was written`);
    return EXIT.failed;
  }
  const dir = resolve(io.cwd, opts.to);
  const { written, unchanged } = await writeAll(dir, files);
  const pulled = new Set(files.map((f) => f.path));
  const others = (await listYaml(dir)).filter((name) => !pulled.has(name));
  for (const name of others) {
    if (opts.prune) await rm(join(dir, name));
    else io.err(`${join(opts.to, name)}: not in ${label}; remove it (or pull with --prune) so the directory is exactly ${label}`);
  }
  io.out(`pulled ${label} to ${opts.to}: ${written} written, ${unchanged} unchanged${opts.prune && others.length ? `, ${others.length} removed` : ''}`);
  return EXIT.ok;
}

async function writeAll(dir: string, files: readonly SourceFile[]): Promise<{ written: number; unchanged: number }> {
  let written = 0;
  let unchanged = 0;
  for (const f of files) {
    const path = join(dir, f.path);
    const before = await readFile(path, 'utf8').catch(() => undefined);
    if (before === f.text) {
      unchanged++;
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.text);
    written++;
  }
  return { written, unchanged };
}

/** The `.yaml`/`.yml` files directly in `dir` (what a rules directory is read from). */
async function listYaml(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name)).map((e) => e.name).sort();
}
