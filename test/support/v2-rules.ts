import type { SourceFile } from '@ratecard/dsl';
import { readRuleFiles } from './rules';

/**
 * The snippets of issue 10 ("Pricing DSL v2"), each exactly as the issue writes it, applied to a copy
 * of the bundled rules (rules/ itself stays the Credits Reference). What each snippet must price is
 * stated by the issue and checked by the specs and e2e tests that use these files.
 */
export const ISSUE_SNIPPETS = {
  /** images.yaml: Flux Pro costs 15 on Premium (multipliers on top: 2K Flux Pro on Premium is 30). */
  planPrice: '        flux-pro:         { rate: 16 cr, label: Flux Pro, requires: pro+, plans: { premium: 15 cr } }',
  /** plans.yaml: the first 10 prompt enhancements of a cycle are free on Pro. */
  included: ['  - id: pro', '    name: Pro', '    allowance: 5,000 cr', '    included:', '      prompt.enhance: 10'].join('\n'),
  /** A new file: half-price video in December 2026 (UTC; `from` inclusive, `until` exclusive). */
  promotions: ['promotions:', '  - id: december-video', '    label: December video sale', '    from: 2026-12-01', '    until: 2027-01-01', '    actions: [video.generate]', '    discount: 50%'].join('\n'),
  /** A new file: a 500-credit top-up pack. */
  packs: ['packs:', '  - id: boost-500', '    name: Boost 500', '    credits: 500 cr', '    valid: 90 days', '    price: USD 9.99'].join('\n'),
} as const;

/** Replaces `from` in `text`, failing loudly when the bundled rules no longer contain it. */
function replaceOnce(text: string, from: string | RegExp, to: string, file: string): string {
  const next = text.replace(from, to);
  if (next === text) throw new Error(`issue rules: ${file} no longer contains ${String(from)}`);
  return next;
}

/** The bundled rule and case files with every issue snippet applied, paths as `rules/...`. */
export function issueRuleFiles(): SourceFile[] {
  const files = readRuleFiles().map((f) => {
    if (f.path === 'rules/images.yaml') return { ...f, text: replaceOnce(f.text, /^ {8}flux-pro: .*$/m, ISSUE_SNIPPETS.planPrice, f.path) };
    if (f.path === 'rules/plans.yaml') return { ...f, text: replaceOnce(f.text, /^ {2}- id: pro\n {4}name: Pro\n {4}allowance: 5,000 cr$/m, ISSUE_SNIPPETS.included, f.path) };
    return f;
  });
  return [...files, { path: 'rules/packs.yaml', text: ISSUE_SNIPPETS.packs + '\n' }, { path: 'rules/promotions.yaml', text: ISSUE_SNIPPETS.promotions + '\n' }];
}
