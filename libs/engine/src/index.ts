/**
 * @ratecard/engine: compiles a rule set once into an immutable, content-addressed form and decides
 * requests against it. Pure: no IO, no environment; time is a parameter.
 *
 * @example
 * const { compiled, diagnostics } = await compileSources(files);
 * const decision = decide(compiled!, { plan: 'pro', balanceMc: 5_000_000, usage: {} },
 *   { action: 'video.generate', params: { seconds: 8 } }, new Date());
 */
export * from './alternatives';
export * from './cases';
export { compile, compileSources, MAX_CELLS_PER_ACTION, type CompileResult } from './compile/compile';
export { buildRules, type ActionRules, type RuleEvent } from './compile/rules';
export { canonicalForm, rulesetVersion, SEMANTICS } from './compile/version';
export * from './compiled';
export * from './cycle';
export { decide, decideByRules, decideWithEngines } from './decide';
export type { Settleable } from './settle';
export * from './decision';
export * from './diff';
export * from './diff-groups';
export * from './diff-render';
export * from './impact';
export * from './plan-grid';
export * from './rule-locations';
export * from './reasons';
export { makeEngine } from './rules-engine';
export type { Cell, Step, Term } from './price';
export * from './table';
export * from './table-offers';
export { cellsAt, segmentIndex, type Timeline } from './timeline';
export * from './table-json';
export * from './table-render';
