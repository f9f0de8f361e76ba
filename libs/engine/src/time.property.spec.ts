import fc from 'fast-check';
import type { SourceFile } from '@ratecard/dsl';
import { anyParams, balance, confirm, request, usage } from '../../../test/support/arbitraries';
import { compileBundled, compileFiles, readRuleFiles } from '../../../test/support/rules';
import { issueRuleFiles } from '../../../test/support/v2-rules';
import type { CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState, DecisionRequest } from './decision';

// Invariants of promotions, per-plan prices and included usage, on the issue's rules and on rule sets
// generated from the bundled ones. Run counts keep the file to a few seconds.

/** The bundled rules plus promotions of every shape and plan prices, all at once. */
function busyRuleFiles(): SourceFile[] {
  const files = issueRuleFiles().map((f) =>
    f.path === 'rules/video.yaml' ? { ...f, text: f.text.replace('hd: { rate: 85 cr/sec, label: Veo 3.1 HD, requires: premium+ }', 'hd: { rate: 85 cr/sec, label: Veo 3.1 HD, requires: premium+, plans: { premium: 80 cr } }') } : f,
  );
  const promotions = [
    'promotions:',
    // Touches december-video's end, for the HD tier on Premium only, as a sale rate below 80.
    '  - { id: new-year-hd, from: 2027-01-01, until: 2027-01-03T12:00Z, actions: [video.generate], variants: [hd], plans: [premium], rate: 60 cr/sec }',
    // Inside december-video's window, other actions: an image model on Pro and up, chat for everyone.
    '  - { id: flux-week, from: 2026-12-07T09:00Z, until: 2026-12-14T09:00Z, actions: [image.generate], variants: [flux-pro, flux-schnell], plans: pro+, discount: 33.3% }',
    '  - { id: edit-morning, from: 2026-12-07T09:00Z, until: 2026-12-08, actions: [image.edit], plans: [pro, premium], discount: 10% }',
    '  - { id: chat-day, from: 2026-12-10, until: 2026-12-11, actions: [chat.edit, prompt.enhance], discount: 100% }',
    '  - { id: assemble-cheap, from: 2026-11-20, until: 2026-12-20, actions: [site.assemble], rate: 5 cr }',
  ];
  return [...files, { path: 'rules/more-promotions.yaml', text: promotions.join('\n') + '\n' }];
}

const PLANS = ['basic', 'pro', 'premium'];

/** Every instant where a price changes, the millisecond before it, and a time with no promotion. */
function checkpoints(compiled: CompiledRuleSet): number[] {
  return [Date.parse('2026-03-15T12:00:00Z'), ...compiled.priceChanges.flatMap((t) => [t - 1, t])];
}

describe('decide over time (properties)', () => {
  let issue: CompiledRuleSet;
  let busy: CompiledRuleSet;
  beforeAll(async () => {
    issue = await compileFiles(issueRuleFiles());
    busy = await compileFiles(busyRuleFiles());
  });

  /** Random requests at every segment boundary: the fast path equals running the rules with `now`. */
  const sameAsRules = (sut: () => CompiledRuleSet) => {
    const ids = (): string[] => [...sut().actions.keys()];
    return fc.asyncProperty(
      fc.nat().chain((n) => fc.constant(checkpoints(sut())[n % checkpoints(sut()).length])),
      fc.nat().chain((n) => {
        const a = ids()[n % ids().length];
        return fc.tuple(fc.constant(a), anyParams(sut(), a));
      }),
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PLANS) }, fc.constant('enterprise')),
      balance,
      fc.nat().chain(() => usage(ids(), 12)),
      confirm,
      async (t, [action, params], plan, balanceMc, used, c) => {
        const account: AccountState = { plan, balanceMc, usage: used };
        const r = request(action, params, c);
        const now = new Date(t);
        expect(await decideByRules(sut(), account, r, now)).toEqual(decide(sut(), account, r, now));
      },
    );
  };

  it('equals running the rules at every segment boundary: the issue rules', async () => {
    expect(issue.priceChanges.length).toBeGreaterThan(0);
    await fc.assert(sameAsRules(() => issue), { numRuns: 400 });
  });

  it('equals running the rules at every segment boundary: promotions of every shape', async () => {
    expect(busy.priceChanges).toHaveLength(10);
    await fc.assert(sameAsRules(() => busy), { numRuns: 600 });
  });

  it('catches a fast path that picks the wrong segment', async () => {
    const video = busy.actions.get('video.generate')!;
    const shifted = { ...video.timeline!, starts: video.timeline!.starts.map((t) => t + 1) };
    const tampered: CompiledRuleSet = { ...busy, actions: new Map(busy.actions).set('video.generate', { ...video, timeline: shifted }) };
    const result = await fc.check(
      fc.asyncProperty(fc.constantFrom(...busy.priceChanges), fc.constantFrom(...PLANS), async (t, plan) => {
        const account: AccountState = { plan, balanceMc: 0, usage: {} };
        for (const tier of ['standard', 'hd']) {
          const r: DecisionRequest = { action: 'video.generate', params: { tier } };
          expect(await decideByRules(tampered, account, r, new Date(t))).toEqual(decide(tampered, account, r, new Date(t)));
        }
      }),
      { numRuns: 50 },
    );
    expect(result.failed).toBe(true);
  });
});

/** Every enumerated combination of every action (metered quantities at their defaults and at 1). */
function everyRequest(compiled: CompiledRuleSet): DecisionRequest[] {
  const out: DecisionRequest[] = [];
  for (const [id, ca] of compiled.actions) {
    const dims = ca.dims.filter((d) => d.param !== undefined);
    const count = dims.reduce((n, d) => n * d.values.length, 1);
    for (let i = 0; i < count; i++) {
      const params: Record<string, unknown> = {};
      let rest = i;
      for (const d of dims) {
        params[d.fact] = d.values[rest % d.values.length];
        rest = Math.floor(rest / d.values.length);
      }
      out.push({ action: id, params, confirm: true });
      const metered = ca.otherParams.find((p) => p.type === 'integer' && p.min !== undefined);
      if (metered) out.push({ action: id, params: { ...params, [metered.name]: metered.min === 0 ? 1 : metered.min }, confirm: true });
    }
  }
  return out;
}

describe('promotions never raise a price (properties)', () => {
  let regular: CompiledRuleSet;
  let priced: string[];
  beforeAll(async () => {
    regular = await compileBundled();
    priced = [...regular.actions.values()].filter((ca) => ca.action.kind === 'priced').map((ca) => ca.action.id);
  });

  /** One to three promotions with disjoint windows (so they never overlap), of every shape. */
  const promotions = () =>
    fc.array(
      fc.record({
        action: fc.constantFrom(...priced),
        variantPick: fc.option(fc.nat(), { nil: undefined }),
        plans: fc.option(fc.oneof(fc.subarray(PLANS, { minLength: 1 }).map((p) => `[${p.join(', ')}]`), fc.constantFrom('pro+', 'premium+')), { nil: undefined }),
        discount: fc.oneof(fc.integer({ min: 1, max: 1000 }).map((permille) => `discount: ${permille / 10}%`), fc.integer({ min: 0, max: 1000 }).map((share) => ({ share }))),
        days: fc.integer({ min: 1, max: 9 }),
        ms: fc.integer({ min: 0, max: 86_399_999 }),
      }),
      { minLength: 1, maxLength: 3 },
    );

  it('costs no more with any promotion than without, at any time, and the fast path equals the rules', async () => {
    await fc.assert(
      fc.asyncProperty(promotions(), async (list) => {
        const lines = ['promotions:'];
        const windows: [number, number][] = [];
        list.forEach((p, k) => {
          const action = regular.ruleset.actions[p.action];
          const keys = Object.keys(action.price!.variants ?? {});
          const variant = p.variantPick !== undefined && keys.length ? keys[p.variantPick % keys.length] : undefined;
          const rates = variant ? [action.price!.variants![variant]] : action.price!.rate ? [action.price!.rate] : Object.values(action.price!.variants!);
          const lowest = Math.min(...rates.map((r) => r.mc));
          const discount = typeof p.discount === 'string' ? p.discount : `rate: ${Math.floor((lowest * p.discount.share) / 1000) / 1000} cr`;
          const from = Date.parse('2026-12-01T00:00:00Z') + k * 10 * 86_400_000;
          const until = from + p.days * 86_400_000 + p.ms;
          windows.push([from, until]);
          const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
          lines.push(`  - { id: p${k}, from: ${iso(from)}, until: ${iso(until)}, actions: [${p.action}]${variant ? `, variants: [${variant}]` : ''}${p.plans ? `, plans: ${p.plans}` : ''}, ${discount} }`);
        });
        const sut = await compileFiles([...readRuleFiles(), { path: 'rules/promotions.yaml', text: lines.join('\n') + '\n' }]);
        const times = windows.flatMap(([from, until]) => [from - 1, from, Math.floor((from + until) / 2), until - 1000, until]);
        for (const r of everyRequest(sut)) {
          for (const plan of PLANS) {
            const account: AccountState = { plan, balanceMc: 100_000_000, usage: {} };
            const without = decide(regular, account, r, new Date(times[0])).costMillicredits;
            for (const t of times) {
              const d = decide(sut, account, r, new Date(t));
              expect(d.costMillicredits).toBeLessThanOrEqual(without);
              expect(d.allowed).toBe(decide(regular, account, r, new Date(t)).allowed);
            }
          }
        }
        // The reference path at the boundaries, for a sample of requests.
        const sample = everyRequest(sut).filter((_, i) => i % 23 === 0);
        for (const t of checkpoints(sut)) {
          for (const r of sample) {
            const account: AccountState = { plan: PLANS[t % 3], balanceMc: 50_000, usage: {} };
            expect(await decideByRules(sut, account, r, new Date(t))).toEqual(decide(sut, account, r, new Date(t)));
          }
        }
      }),
      { numRuns: 10 },
    );
  });
});

describe('included usage never costs more than without it (properties)', () => {
  let regular: CompiledRuleSet;
  let counted: string[];
  beforeAll(async () => {
    regular = await compileBundled();
    counted = [...regular.actions.values()].filter((ca) => ca.action.kind !== 'free').map((ca) => ca.action.id);
  });

  it('whatever the plans include and the usage so far', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...PLANS), fc.dictionary(fc.constantFrom(...counted), fc.integer({ min: 1, max: 5 }), { minKeys: 1, maxKeys: 4 }), { minKeys: 1 }),
        async (included) => {
          const files = readRuleFiles().map((f) => {
            if (f.path !== 'rules/plans.yaml') return f;
            let text = f.text;
            for (const [plan, map] of Object.entries(included)) {
              const entries = Object.entries(map).map(([a, n]) => `${a}: ${n}`).join(', ');
              text = text.replace(new RegExp(`(- id: ${plan}\\n(?: {4}.*\\n)*? {4}allowance: .*\\n)`), `$1    included: { ${entries} }\n`);
            }
            return { ...f, text };
          });
          const sut = await compileFiles(files);
          expect([...sut.plans.values()].reduce((n, p) => n + p.included.size, 0)).toBe(Object.values(included).reduce((n, m) => n + Object.keys(m).length, 0));
          for (const r of everyRequest(sut)) {
            for (const plan of PLANS) {
              for (const used of [0, 1, 4, 5, 6]) {
                const account: AccountState = { plan, balanceMc: 30_000, usage: { [r.action]: used } };
                const d = decide(sut, account, r, new Date(0));
                const without = decide(regular, account, r, new Date(0));
                expect(d.costMillicredits).toBeLessThanOrEqual(without.costMillicredits);
                if (without.allowed) expect(d.allowed).toBe(true);
              }
            }
          }
          for (const r of everyRequest(sut).filter((_, i) => i % 11 === 0)) {
            const account: AccountState = { plan: 'basic', balanceMc: 30_000, usage: { [r.action]: 1 } };
            expect(await decideByRules(sut, account, r, new Date(0))).toEqual(decide(sut, account, r, new Date(0)));
          }
        },
      ),
      { numRuns: 10 },
    );
  });
});
