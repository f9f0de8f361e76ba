import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DIFF_GUARDS, diffMarkdown, diffRuleSets, diffText, trippedGuards, type CompiledRuleSet, type DiffGuard } from '@ratecard/engine';
import { compileSources } from '@ratecard/engine';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from '@ratecard/ledger';
import { DirectoryRuleSource, GitRuleSource } from '@ratecard/sources';
import { withStore } from '../db';
import { EXIT, UsageError, type CliIo } from '../io';
import { printDiagnostics } from '../rules';

/** Exit code when `--fail-on` trips: distinct from 1 (broken rules) and 2 (bad command line). */
export const EXIT_GUARD = 3;

/** A side that does not compile: its diagnostics are printed; exit 1, as `validate` does. */
class BrokenRules extends Error {}

/**
 * A rule set named on the command line: a directory of rule files, a published version id (or
 * prefix), or a git revision (read from `rulesPath` at that revision).
 */
export async function resolveRuleSet(io: CliIo, spec: string, rulesPath: string): Promise<{ label: string; compiled: CompiledRuleSet }> {
  const dir = resolve(io.cwd, spec);
  if (existsSync(dir) && statSync(dir).isDirectory()) return compileFrom(io, spec, await new DirectoryRuleSource(dir, io.cwd).load());
  if (/^[0-9a-f]{6,64}$/.test(spec) && hasDatabase(io)) {
    const found = await withStore(io, async ({ versions }) => {
      try {
        return await versions.compile(spec);
      } catch {
        return undefined;
      }
    });
    if (found) return { label: `version ${found.version.slice(0, 12)}`, compiled: found };
  }
  if (await GitRuleSource.isRevision(spec, io.cwd)) return compileFrom(io, `git ${spec}`, await new GitRuleSource(spec, rulesPath, io.cwd).load());
  throw new UsageError(`\`${spec}\` is not a directory, a published version or a git revision`);
}

function hasDatabase(io: CliIo): boolean {
  const target = parseDatabaseUrl(io.env.DATABASE_URL || DEFAULT_DATABASE_URL, io.cwd);
  return !('error' in target) && (target.kind === 'postgresql' || existsSync(target.file));
}

async function compileFrom(io: CliIo, label: string, files: Parameters<typeof compileSources>[0]): Promise<{ label: string; compiled: CompiledRuleSet }> {
  const { compiled, diagnostics } = await compileSources(files);
  if (!compiled) {
    printDiagnostics(io, diagnostics);
    throw new BrokenRules(`${label} does not compile`);
  }
  return { label, compiled };
}

/** `ratecard diff <from> <to>`: what changed, in rules and in every plan × action × parameter cell. */
export async function diff(io: CliIo, opts: { from: string; to: string; format: string; failOn: string; rulesPath: string; limit: number }): Promise<number> {
  if (!['text', 'md', 'json'].includes(opts.format)) throw new UsageError(`--format is \`text\`, \`md\` or \`json\`, got \`${opts.format}\``);
  const guards = opts.failOn ? opts.failOn.split(',').map((g) => g.trim()).filter(Boolean) : [];
  const unknown = guards.filter((g) => !DIFF_GUARDS.includes(g as DiffGuard));
  if (unknown.length) throw new UsageError(`--fail-on takes ${DIFF_GUARDS.join(', ')}; unknown: ${unknown.join(', ')}`);
  let a, b;
  try {
    a = await resolveRuleSet(io, opts.from, opts.rulesPath);
    b = await resolveRuleSet(io, opts.to, opts.rulesPath);
  } catch (e) {
    if (!(e instanceof BrokenRules)) throw e;
    io.err(`ratecard diff: ${e.message}`);
    return EXIT.failed;
  }
  const d = diffRuleSets(a.compiled, b.compiled);
  // A side named by its version needs no second mention of it.
  const label = (spec: string, version: string): string => (version.startsWith(spec) ? version.slice(0, 12) : `${spec} (${version.slice(0, 12)})`);
  const labels = { from: label(opts.from, a.compiled.version), to: label(opts.to, b.compiled.version) };
  const tripped = trippedGuards(d, guards as DiffGuard[]);
  if (opts.format === 'json') io.out(JSON.stringify({ ...d, tripped }, null, 2));
  else if (opts.format === 'md') io.out(diffMarkdown(d, { labels, limit: opts.limit }));
  else io.out(diffText(d, { labels, limit: opts.limit }));
  if (tripped.length) {
    io.err(`diff: --fail-on ${tripped.join(',')} tripped`);
    return EXIT_GUARD;
  }
  return EXIT.ok;
}
