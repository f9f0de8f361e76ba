/** A file of rules or cases as text, with the path shown in diagnostics. */
export interface SourceFile {
  /** Path as the user should see it, e.g. `rules/images.yaml`. */
  readonly path: string;
  readonly text: string;
}

/**
 * Where a rule set comes from: a directory, a git revision, a published version in the database,
 * or memory. The core never reads files itself; the edges implement this (Zen's `DecisionLoader`).
 */
export interface RuleSource {
  /** A human description, e.g. `rules/` or `git:HEAD~1`. */
  readonly name: string;
  /** Every file of the rule set, rule files and case files alike. */
  load(): Promise<readonly SourceFile[]>;
}

/** A rule source held in memory. */
export class MemoryRuleSource implements RuleSource {
  constructor(
    readonly name: string,
    private readonly files: readonly SourceFile[],
  ) {}

  load(): Promise<readonly SourceFile[]> {
    return Promise.resolve(this.files);
  }
}

/** Case files sit next to the rules and end in `.test.yaml` (or `.test.yml`). */
export function isCaseFile(path: string): boolean {
  return /\.test\.ya?ml$/i.test(path);
}

/** Rule files are the other `.yaml`/`.yml` files. */
export function isRuleFile(path: string): boolean {
  return /\.ya?ml$/i.test(path) && !isCaseFile(path);
}
