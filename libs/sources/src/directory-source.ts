import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RuleSource, SourceFile } from '@ratecard/dsl';

/**
 * Rules from a directory: every `.yaml`/`.yml` file directly in it, rule files and case files
 * alike (subdirectories are not read, so drafts kept in `rules/drafts/` stay out). Paths are shown
 * relative to `cwd`, as a PM typed them.
 */
export class DirectoryRuleSource implements RuleSource {
  readonly name: string;

  constructor(
    private readonly dir: string,
    private readonly cwd: string = process.cwd(),
  ) {
    this.name = relative(cwd, dir) || '.';
  }

  async load(): Promise<readonly SourceFile[]> {
    const files: SourceFile[] = [];
    const entries = await readdir(this.dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!e.isFile() || !/\.ya?ml$/i.test(e.name)) continue;
      const full = join(this.dir, e.name);
      files.push({ path: relative(this.cwd, full) || e.name, text: await readFile(full, 'utf8') });
    }
    return files;
  }
}
