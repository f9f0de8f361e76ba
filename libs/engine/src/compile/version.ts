import { createHash } from 'node:crypto';
import type { RuleSet } from '@ratecard/dsl';

/**
 * Bumped when the meaning of the same rules changes (rounding, fold order). Part of the hash, so a
 * rule set priced under other semantics never shares a version id.
 */
export const SEMANTICS = 1;

/**
 * Stage "version": the canonical form of a rule set is its JSON with object keys sorted and source
 * locations left out, so comments, formatting, key order and file layout do not change it; any
 * change of meaning does (packs included: their order too, as the catalogue shows them). The version
 * is the SHA-256 of that text, in hex.
 */
export function canonicalForm(ruleset: RuleSet): string {
  // Sections a rule set may leave out are left out of the form when empty, so rule sets written
  // before they existed keep their version.
  const optional = {
    ...(ruleset.packs.length > 0 ? { packs: ruleset.packs } : {}),
    ...(ruleset.promotions.length > 0 ? { promotions: ruleset.promotions } : {}),
    ...(ruleset.table.sections.length > 0 ? { table: ruleset.table.sections.map((s) => s.name) } : {}),
  };
  const plans = ruleset.plans.map(({ included, ...plan }) => (Object.keys(included).length > 0 ? { ...plan, included } : plan));
  return stableStringify({ semantics: SEMANTICS, plans, cycle: ruleset.cycle, actions: ruleset.actions, ...optional });
}

/** The rule-set version: SHA-256 of the canonical form. */
export function rulesetVersion(ruleset: RuleSet): string {
  return createHash('sha256').update(canonicalForm(ruleset)).digest('hex');
}

/** Keys that say where something was written, not what it means. */
const LOCATION_KEYS = new Set(['at', 'leavesAt', 'byAt', 'includedAt', 'untilAt', 'actionsAt', 'variantsAt', 'plansAt', 'discountAt']);

function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([k, v]) => !LOCATION_KEYS.has(k) && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}
