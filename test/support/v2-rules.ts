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

/** What the issue says the snippets must price, as the cases a PM would write for them. */
export const ISSUE_CASES = `# yaml-language-server: $schema=../libs/dsl/src/schema/cases.schema.json
#
# Issue 10: what each snippet must price.

cases:
  # Per-plan prices: Flux Pro is 15 on Premium, 16 on Pro; multipliers apply on top.
  - { note: 'Flux Pro costs 16 on Pro', plan: pro, action: image.generate, params: { model: flux-pro }, want: { allowed: true, cost: 16, breakdown: ['Flux Pro 16 cr'] } }
  - { note: 'Flux Pro costs 15 on Premium', plan: premium, action: image.generate, params: { model: flux-pro }, want: { allowed: true, cost: 15, breakdown: ['Flux Pro (Premium price) 15 cr'] } }
  - { note: '2K Flux Pro on Premium is 30', plan: premium, action: image.generate, params: { model: flux-pro, resolution: 2k }, want: { allowed: true, cost: 30 } }

  # The December video sale: from 2026-12-01 (inclusive) until 2027-01-01 (exclusive), UTC.
  - note: '8 s of standard video costs 128 on 2026-12-15'
    plan: basic
    at: 2026-12-15T00:00Z
    action: video.generate
    params: { seconds: 8 }
    want:
      cost: 128
      breakdown: ['Veo 3.1 Standard 32 cr/s × 8 s = 256', 'December video sale -50% = 128']
  - { note: '8 s of standard video costs 256 on 2027-01-01', plan: basic, at: 2027-01-01T00:00Z, action: video.generate, params: { seconds: 8 }, want: { cost: 256 } }
  - { note: 'the sale starts at midnight on 1 December', plan: basic, at: 2026-12-01, action: video.generate, want: { cost: 128 } }
  - { note: 'the last second of the sale', plan: basic, at: '2026-12-31T23:59:59Z', action: video.generate, want: { cost: 128 } }

  # Included usage: the first 10 prompt enhancements of a cycle are free on Pro.
  - { note: 'prompt.enhance costs 0 on Pro with 3 used this cycle', plan: pro, used: { prompt.enhance: 3 }, action: prompt.enhance, want: { allowed: true, cost: 0 } }
  - { note: 'prompt.enhance costs 1 on Pro with 10 used this cycle', plan: pro, used: { prompt.enhance: 10 }, action: prompt.enhance, want: { allowed: true, cost: 1 } }
  - { note: 'Basic includes none', plan: basic, used: { prompt.enhance: 0 }, action: prompt.enhance, want: { cost: 1 } }

  # Denials offer the next best option.
  - note: '4K Seedream on Pro: 1k at 18 cr, or Premium as asked'
    plan: pro
    action: image.generate
    params: { resolution: 4k }
    want:
      allowed: false
      reasons: [PLAN_REQUIRED]
      alternatives:
        - { reason: PLAN_REQUIRED, kind: change-params, params: { resolution: 1k }, cost: 18 }
        - { reason: PLAN_REQUIRED, kind: upgrade, plan: premium, cost: 36 }
  - note: '10 cr left for an 18 cr image: 8 short, the Boost 500 pack covers it'
    plan: basic
    balance: 10
    action: image.generate
    want:
      allowed: false
      alternatives:
        - { reason: INSUFFICIENT_CREDITS, kind: top-up, shortfall: 8, pack: boost-500 }
  - note: 'a third site on Basic waits for the next billing date'
    plan: basic
    used: { site.generate: 2 }
    cycleEnd: 2026-04-01
    action: site.generate
    want:
      allowed: false
      alternatives:
        - { reason: QUOTA_EXCEEDED, kind: wait, resetsAt: 2026-04-01 }
`;
