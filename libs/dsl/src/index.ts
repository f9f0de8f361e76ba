/**
 * @ratecard/dsl: the rules DSL product managers write. Parses YAML rule files into a checked
 * {@link RuleSet}, reporting every problem as a {@link Diagnostic} with file, line and column.
 * Pure: no file system, no environment, no clock.
 */
export * from './amounts';
export * from './cases';
export * from './cases-update';
export { CASES_SCHEMA, RULES_SCHEMA, closest } from './check-schema';
export { splitOperator } from './check-references';
export { formatInstant, promotionPlans, promotionVariants, ratesOf } from './check-promotions';
export { parseInstant } from './normalize-offers';
export * from './diagnostics';
export * from './load';
export { rateUnits } from './normalize';
export { checkValue } from './normalize-params';
export * from './ruleset';
export * from './source';
export { formatPath, type YamlPath } from './yaml-source';
