import { compileBundled, NOW } from '../../../test/support/rules';
import { decide } from './decide';
import { planGrid, type PlanGrid, type PlanGridRow } from './plan-grid';
import type { CompiledRuleSet } from './compiled';

describe(planGrid.name, () => {
  let compiled: CompiledRuleSet;
  let sut: PlanGrid;
  beforeAll(async () => {
    compiled = await compileBundled();
    sut = planGrid(compiled, NOW);
  });
  const row = (action: string, param?: string, value?: unknown): PlanGridRow => {
    const found = sut.rows.find((r) => r.action === action && (param === undefined ? r.option === null : r.option?.param === param && r.option.value === value));
    if (!found) throw new Error(`no row ${action} ${param}=${String(value)}`);
    return found;
  };
  const summary = (r: PlanGridRow): string[] => r.cells.map((c) => `${c.plan} ${c.allowed ? `${c.cost} cr` : `no: ${c.reasons.map((x) => x.code).join(',')}`}`);

  it('lists the plans of the ladder, lowest first', () => {
    expect(sut.plans.map((p) => p.id)).toEqual(['basic', 'pro', 'premium']);
    expect(sut.rulesetVersion).toBe(compiled.version);
  });

  it('says which plans may use each model and why the others may not', () => {
    expect(summary(row('image.generate', 'model', 'flux-pro'))).toEqual(['basic no: PLAN_REQUIRED', 'pro 16 cr', 'premium 16 cr']);
    expect(summary(row('image.generate', 'model', 'nano-banana-pro'))).toEqual(['basic no: PLAN_REQUIRED', 'pro no: PLAN_REQUIRED', 'premium 20 cr']);
    expect(row('image.generate', 'model', 'flux-pro').cells[0].reasons[0]).toMatchObject({ requiredPlan: 'pro', rule: 'image.generate/variant/flux-pro' });
    expect(row('image.generate', 'model', 'seedream-4.5').option).toEqual({ param: 'model', value: 'seedream-4.5', isDefault: true });
  });

  it('shows a denied option at what it would cost', () => {
    expect(row('image.generate', 'model', 'flux-pro').cells[0].cost).toBe(16);
  });

  it('carries the quota of a plan, and denies nothing for it while it is above zero', () => {
    const site = sut.rows.filter((r) => r.action === 'site.generate');
    expect(site.length).toBeGreaterThan(0);
    expect(site[0].cells.map((c) => c.quota)).toEqual([2, null, null]);
    expect(site[0].cells[0].reasons.map((r) => r.code)).not.toContain('QUOTA_EXCEEDED');
  });

  it('agrees with decide on every cell (unlimited balance, no usage, confirmed)', () => {
    for (const r of sut.rows) {
      for (const c of r.cells) {
        const params = r.option ? { [r.option.param]: r.option.value } : {};
        const d = decide(compiled, { plan: c.plan, balanceMc: Number.MAX_SAFE_INTEGER, usage: {} }, { action: r.action, params, confirm: true }, NOW);
        expect([r.action, params, c.plan, c.allowed, c.costMillicredits]).toEqual([r.action, params, c.plan, d.allowed, d.costMillicredits]);
      }
    }
  });

  it('has one row for an action without enumerated parameters', () => {
    expect(sut.rows.filter((r) => r.action === 'chat.edit').map((r) => r.option)).toEqual([null]);
  });
});
