import { formatCredits } from './amounts';
import { checkPromotions } from './check-promotions';
import { closest } from './check-schema';
import type { Diagnostic, SourceLocation } from './diagnostics';
import type { RuleSet } from './ruleset';

/**
 * Stage "check offers": what plans give away and what is on sale must name things that exist and
 * make sense: included usage (an action that exists and costs something, no more than the quota
 * allows), low-balance thresholds that can be crossed, promotions (windows, targets, overlaps) and
 * the table's section order.
 */
export function checkOffers(ruleset: RuleSet, diagnostics: Diagnostic[]): void {
  const push = (severity: Diagnostic['severity'], code: string, message: string, location: SourceLocation, extra: Partial<Diagnostic> = {}): void => {
    diagnostics.push({ severity, code, message, location, ...extra });
  };
  const actionIds = Object.keys(ruleset.actions);

  // The table's sections name groups of priced actions (free actions have a section of their own).
  const groups = [...new Set(Object.values(ruleset.actions).filter((a) => a.kind !== 'free').map((a) => a.group ?? 'Other'))];
  for (const section of ruleset.table.sections) {
    if (groups.includes(section.name)) continue;
    const near = closest(section.name, groups);
    push('error', 'unknown-group', `no action is in the group \`${section.name}\``, section.at, { hint: near ? `did you mean \`${near}\`?` : `groups are ${groups.map((g) => `\`${g}\``).join(', ')}` });
  }

  for (const plan of ruleset.plans) {
    for (const t of plan.lowBalance ?? []) {
      const written = t.kind === 'share' ? `${t.permille / 10}%` : `${formatCredits(t.mc)} cr`;
      if (t.kind === 'credits' ? t.mc === 0 : t.permille === 0 || plan.allowanceMc === 0) {
        const why = t.kind === 'share' && t.permille > 0 ? `plan \`${plan.id}\` has no allowance, so \`${written}\` of it is 0 credits` : `\`${written}\` is nothing`;
        push('error', 'low-balance-never', `${why}: a balance never falls below 0, so \`balance.low\` would never be sent`, t.at, {
          hint: t.kind === 'share' ? 'give an amount of credits instead, such as `50 cr`' : 'give a positive amount, such as `50 cr`, or a share of the allowance such as `10%`',
        });
      }
    }
    for (const [actionId, count] of Object.entries(plan.included)) {
      const at = plan.includedAt[actionId] ?? plan.at;
      const action = ruleset.actions[actionId];
      if (!action) {
        const near = closest(actionId, actionIds);
        push('error', 'unknown-action', `plan \`${plan.id}\` includes unknown action \`${actionId}\``, at, near ? { hint: `did you mean \`${near}\`?` } : {});
      } else if (action.kind === 'free') {
        push('error', 'included-on-free-action', `plan \`${plan.id}\` includes ${count} \`${actionId}\` per cycle, but \`${actionId}\` is free on every plan`, at, {
          hint: 'remove it from `included`; free actions cost nothing already',
        });
      } else if (plan.quotas[actionId] !== undefined && count >= plan.quotas[actionId]) {
        push('warning', 'included-covers-quota', `plan \`${plan.id}\` includes ${count} \`${actionId}\` per cycle and its quota allows ${plan.quotas[actionId]}, so every use is free`, at);
      }
    }
  }
  checkPromotions(ruleset, diagnostics);
}
