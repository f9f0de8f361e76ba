import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RuleSource, SourceFile } from '@ratecard/dsl';

const run = promisify(execFile);

/**
 * Rules as they were at a git revision (`HEAD~3`, a tag, a commit): the `.yaml` files directly in
 * `path` at that revision, read with `git show`. Nothing is checked out.
 */
export class GitRuleSource implements RuleSource {
  readonly name: string;

  constructor(
    private readonly rev: string,
    private readonly path: string = 'rules',
    private readonly cwd: string = process.cwd(),
  ) {
    this.name = `git:${rev}`;
  }

  /** True when `rev` names a commit in the repository around `cwd`. */
  static async isRevision(rev: string, cwd: string): Promise<boolean> {
    if (rev.startsWith('-')) return false;
    try {
      await run('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd });
      return true;
    } catch {
      return false;
    }
  }

  async load(): Promise<readonly SourceFile[]> {
    const dir = this.path.replace(/\/+$/, '');
    const { stdout } = await run('git', ['ls-tree', '--name-only', this.rev, `${dir}/`], { cwd: this.cwd, maxBuffer: 16 * 1024 * 1024 });
    const names = stdout
      .split('\n')
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort();
    const files: SourceFile[] = [];
    for (const name of names) {
      const { stdout: text } = await run('git', ['show', `${this.rev}:./${name}`], { cwd: this.cwd, maxBuffer: 16 * 1024 * 1024 });
      files.push({ path: `${this.rev}:${name}`, text });
    }
    return files;
  }
}
