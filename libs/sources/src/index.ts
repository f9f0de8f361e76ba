/**
 * @ratecard/sources: where rule sets come from at the edges (the core never reads files).
 * Each implements `RuleSource` from `@ratecard/dsl`.
 *
 * @example
 * const files = await new DirectoryRuleSource('rules').load();
 * const { compiled } = await compileSources(files);
 */
export * from './directory-source';
