import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SourceFile } from '@ratecard/dsl';
import { compileSources, type CompiledRuleSet } from '@ratecard/engine';
import { DEFAULT_DATABASE_URL, LedgerError, parseDatabaseUrl, VERSION_NAME } from '@ratecard/ledger';
import { DirectoryRuleSource, GitRuleSource } from '@ratecard/sources';
import { withStore } from './db';
import { UsageError, type CliIo } from './io';
import { printDiagnostics } from './rules';

/** A side that does not compile: its diagnostics are printed; exit 1, as `validate` does. */
export class BrokenRules extends Error {}

/**
 * A rule set named on the command line, tried in this order: a directory of rule files, a
 * published version (any version name: an id, a prefix of at least 6 characters, `active`,
 * `previous`), a git revision (read from `rulesPath` at that revision). A name shared by several
 * versions is a usage error, never a guess.
 */
export async function resolveRuleSet(io: CliIo, spec: string, rulesPath: string): Promise<{ label: string; compiled: CompiledRuleSet }> {
  const dir = resolve(io.cwd, spec);
  if (existsSync(dir) && statSync(dir).isDirectory()) return compileFrom(io, spec, await new DirectoryRuleSource(dir, io.cwd).load());
  if (VERSION_NAME.test(spec) && hasDatabase(io)) {
    const found = await withStore(io, async ({ versions }) => {
      try {
        return await versions.compile(spec, io.now());
      } catch (e) {
        if (!(e instanceof LedgerError)) throw e;
        // `active` and `previous` name nothing else; an ambiguous prefix must not fall through to git.
        if (e.code === 'VERSION_AMBIGUOUS' || (e.code === 'VERSION_NOT_FOUND' && !/^[0-9a-f]+$/.test(spec))) throw new UsageError(e.message);
        if (e.code === 'VERSION_NOT_FOUND') return undefined;
        throw e;
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

async function compileFrom(io: CliIo, label: string, files: readonly SourceFile[]): Promise<{ label: string; compiled: CompiledRuleSet }> {
  const { compiled, diagnostics } = await compileSources(files);
  if (!compiled) {
    printDiagnostics(io, diagnostics);
    throw new BrokenRules(`${label} does not compile`);
  }
  return { label, compiled };
}

/** How a side is labelled: by its version alone when named by it, else the name and its version. */
export function sideLabel(spec: string, version: string): string {
  return version.startsWith(spec) ? version.slice(0, 12) : `${spec} (${version.slice(0, 12)})`;
}
