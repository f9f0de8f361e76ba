/**
 * @ratecard/sources: where rule sets come from at the edges (the core never reads files).
 * Each implements `RuleSource` from `@ratecard/dsl`; published versions come from the database
 * (`RuleVersions` in @ratecard/ledger).
 *
 * @example
 * const files = await new DirectoryRuleSource('rules').load();
 * const before = await new GitRuleSource('HEAD~1', 'rules').load();
 */
export * from './directory-source';
export * from './git-source';
