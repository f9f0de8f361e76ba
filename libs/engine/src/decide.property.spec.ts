import fc from 'fast-check';
import { anyParams as anyParamsOf, balance, confirm, request, usage as usageOf, validParams as validParamsOf } from '../../../test/support/arbitraries';
import { compileBundled, NOW } from '../../../test/support/rules';
import type { CompiledRuleSet } from './compiled';
import { decide, decideByRules } from './decide';
import type { AccountState } from './decision';

// Invariants of the bundled price list (rules/, read from disk by the test support), checked on
// random accounts and requests. Run counts keep the whole file to a few seconds.

let compiled: CompiledRuleSet;
let planIds: string[];
let actionIds: string[];
beforeAll(async () => {
  compiled = await compileBundled();
  planIds = [...compiled.plans.keys()];
  actionIds = [...compiled.actions.keys()];
});

const validParams = (action: string): fc.Arbitrary<Record<string, unknown>> => validParamsOf(compiled, action);
const anyParams = (action: string): fc.Arbitrary<Record<string, unknown>> => anyParamsOf(compiled, action);
const usage = (): fc.Arbitrary<Record<string, number>> => usageOf(actionIds);
const knownAction = (): fc.Arbitrary<string> => fc.constantFrom(...actionIds);

describe(`${decide.name} (properties)`, () => {
  it('never costs less than 0, and the receipt adds up to the cost in whole millicredits', () => {
    fc.assert(
      fc.property(
        knownAction().chain((a) => fc.tuple(fc.constant(a), anyParams(a))),
        fc.constantFrom(...planIds),
        balance,
        usage(),
        confirm,
        ([action, params], plan, balanceMc, used, c) => {
          const sut = decide(compiled, { plan, balanceMc, usage: used }, request(action, params, c), NOW);
          expect(sut.cost).toBeGreaterThanOrEqual(0);
          expect(Number.isSafeInteger(sut.costMillicredits)).toBe(true);
          expect(sut.cost).toBe(sut.costMillicredits / 1000);
          expect(sut.breakdown.reduce((s, b) => s + Math.round(b.credits * 1000), 0)).toBe(sut.costMillicredits);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('makes every free action cost 0, exempt and allowed on every plan, whatever the balance and usage', () => {
    const free = [...compiled.actions.values()].filter((a) => a.action.kind === 'free').map((a) => a.action.id);
    expect(free).toHaveLength(7);
    fc.assert(
      fc.property(fc.constantFrom(...free), fc.constantFrom(...planIds), balance, usage(), confirm, (action, plan, balanceMc, used, c) => {
        const sut = decide(compiled, { plan, balanceMc, usage: used }, request(action, {}, c), NOW);
        expect(sut).toMatchObject({ allowed: true, cost: 0, exempt: true, reasons: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('never denies a higher plan what a lower plan may do (same request, balance and usage)', () => {
    fc.assert(
      fc.property(
        knownAction().chain((a) => fc.tuple(fc.constant(a), anyParams(a))),
        fc.integer({ min: 0, max: 1 }).chain((low) => fc.tuple(fc.constant(low), fc.integer({ min: low + 1, max: 2 }))),
        balance,
        usage(),
        confirm,
        ([action, params], [low, high], balanceMc, used, c) => {
          const r = request(action, params, c);
          const lower = decide(compiled, { plan: planIds[low], balanceMc, usage: used }, r, NOW);
          const higher = decide(compiled, { plan: planIds[high], balanceMc, usage: used }, r, NOW);
          if (lower.allowed) expect(higher.allowed).toBe(true);
          expect(higher.cost).toBe(lower.cost);
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each(['video.generate', 'video.extend'])('makes %s cost no less for more seconds', (action) => {
    fc.assert(
      fc.property(
        validParams(action),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(...planIds),
        (params, a, b, plan) => {
          const [short, long] = a <= b ? [a, b] : [b, a];
          const acct: AccountState = { plan, balanceMc: 0, usage: {} };
          const costOf = (seconds: number): number => decide(compiled, acct, { action, params: { ...params, seconds } }, NOW).costMillicredits;
          expect(costOf(short)).toBeLessThanOrEqual(costOf(long));
          expect(costOf(long)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(`${decideByRules.name} (properties)`, () => {
  /** The fast path equals running the rules, for requests drawn from `actions`, against `sut`. */
  const sameAsRules = (sut: () => CompiledRuleSet, actions: fc.Arbitrary<string>) => {
    const plan = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...planIds) }, fc.constantFrom('enterprise', 'Basic', ''), fc.string({ maxLength: 8 }));
    return fc.asyncProperty(actions.chain((a) => fc.tuple(fc.constant(a), anyParams(a))), plan, balance, usage(), confirm, async ([a, params], p, balanceMc, used, c) => {
      const acct: AccountState = { plan: p, balanceMc, usage: used };
      const r = request(a, params, c);
      expect(await decideByRules(sut(), acct, r, NOW)).toEqual(decide(sut(), acct, r, NOW));
    });
  };

  it('equals the fast path on random requests: known and unknown actions, valid and invalid params, known and unknown plans', async () => {
    const action = fc.oneof({ weight: 4, arbitrary: knownAction() }, fc.constantFrom('image.generat', 'video', ''), fc.string({ maxLength: 16 }));
    await fc.assert(
      sameAsRules(() => compiled, action),
      { numRuns: 1000 },
    );
  });

  it('catches a fast path that looks up the wrong cell', async () => {
    const ca = compiled.actions.get('image.generate')!;
    const tampered: CompiledRuleSet = { ...compiled, actions: new Map(compiled.actions).set('image.generate', { ...ca, cells: [...ca.cells].reverse() }) };
    const result = await fc.check(sameAsRules(() => tampered, fc.constant('image.generate')), { numRuns: 200 });
    expect(result.failed).toBe(true);
  });
});
