import { join } from 'node:path';
import { formatDiagnostic, type SourceFile } from '@ratecard/dsl';
import { compileSources, type CompiledRuleSet } from '@ratecard/engine';
import { DirectoryRuleSource } from '@ratecard/sources';
import { BenchAbort } from './settings';

/** The bundled rules/ directory as source files. */
export function bundledFiles(root: string): Promise<readonly SourceFile[]> {
  return new DirectoryRuleSource(join(root, 'rules'), root).load();
}

/** Compiles source files or stops the run with the diagnostics. */
export async function compileOrAbort(files: readonly SourceFile[], what: string): Promise<CompiledRuleSet> {
  const { compiled, diagnostics } = await compileSources(files);
  if (!compiled) throw new BenchAbort(`${what} do not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return compiled;
}
