import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RuleSource, SourceFile } from '@ratecard/dsl';

/**
 * Rules from a directory: every `.yaml`/`.yml` file in it and its subdirectories, rule files and
 * case files alike. Paths are shown relative to `cwd`, as a PM typed them.
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
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const full = join(dir, e.name);
        if (e.isDirectory() && !e.name.startsWith('.')) await walk(full);
        else if (e.isFile() && /\.ya?ml$/i.test(e.name)) files.push({ path: relative(this.cwd, full) || e.name, text: await readFile(full, 'utf8') });
      }
    };
    await walk(this.dir);
    return files;
  }
}
