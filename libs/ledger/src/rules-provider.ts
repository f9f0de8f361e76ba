import type { CompiledRuleSet } from '@ratecard/engine';

/** Where the ledger gets its rules: the active version, and older versions by id. */
export interface RulesProvider {
  /**
   * The rule set in effect at `now` (the provider's clock without one): a scheduled activation
   * takes effect at its instant, whatever the time the provider last looked at the database.
   */
  active(now?: Date): CompiledRuleSet;
  /** A compiled rule set by version, or undefined when unknown (for captures of older holds). */
  get(version: string): Promise<CompiledRuleSet | undefined>;
}

/** A fixed rule set: for tests and single-version tools. */
export class StaticRules implements RulesProvider {
  constructor(private readonly compiled: CompiledRuleSet) {}

  active(): CompiledRuleSet {
    return this.compiled;
  }

  get(version: string): Promise<CompiledRuleSet | undefined> {
    return Promise.resolve(version === this.compiled.version ? this.compiled : undefined);
  }
}
