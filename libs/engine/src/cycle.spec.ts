import { compileBundled, compileYaml } from '../../../test/support/rules';
import { PLANS_YAML, yaml } from '../../../test/support/yaml';
import { cycleWindow, planChange } from './cycle';

const utc = (iso: string): Date => new Date(`${iso}Z`);
const window = (anchor: number, now: string): [string, string] => {
  const w = cycleWindow(anchor, utc(now));
  return [w.start.toISOString(), w.end.toISOString()];
};

describe(cycleWindow.name, () => {
  it.each<[number, string, string, string]>([
    // anchor 31: the reset falls on the last day of shorter months
    [31, '2025-02-15T12:00:00', '2025-01-31', '2025-02-28'],
    [31, '2025-02-27T23:59:59.999', '2025-01-31', '2025-02-28'],
    [31, '2025-02-28T00:00:00', '2025-02-28', '2025-03-31'],
    [31, '2025-03-30T08:00:00', '2025-02-28', '2025-03-31'],
    [31, '2025-04-30T00:00:00', '2025-04-30', '2025-05-31'],
    // leap year
    [31, '2024-02-28T23:59:59.999', '2024-01-31', '2024-02-29'],
    [31, '2024-02-29T10:00:00', '2024-02-29', '2024-03-31'],
    [30, '2025-03-01T00:00:00', '2025-02-28', '2025-03-30'],
    [29, '2025-02-28T00:00:00', '2025-02-28', '2025-03-29'],
    // month boundaries with anchor 1
    [1, '2025-03-01T00:00:00', '2025-03-01', '2025-04-01'],
    [1, '2025-02-28T23:59:59.999', '2025-02-01', '2025-03-01'],
    // year boundary
    [15, '2025-01-10T00:00:00', '2024-12-15', '2025-01-15'],
    [15, '2024-12-20T00:00:00', '2024-12-15', '2025-01-15'],
    [15, '2025-01-15T00:00:00', '2025-01-15', '2025-02-15'],
  ])('anchor %d at %s: from %s to %s', (anchor, now, start, end) => {
    expect(window(anchor, now)).toEqual([utc(`${start}T00:00:00`).toISOString(), utc(`${end}T00:00:00`).toISOString()]);
  });

  it('tiles time: every instant is in exactly one window, and each window starts where the last ended', () => {
    for (const anchor of [1, 15, 28, 29, 30, 31]) {
      let t = utc('2023-12-01T00:00:00').getTime();
      let previous = cycleWindow(anchor, new Date(t));
      const stop = utc('2025-01-31T00:00:00').getTime();
      while (t < stop) {
        t += 6 * 3600_000;
        const w = cycleWindow(anchor, new Date(t));
        expect(w.start.getTime()).toBeLessThanOrEqual(t);
        expect(t).toBeLessThan(w.end.getTime());
        if (w.start.getTime() !== previous.start.getTime()) expect(w.start).toEqual(previous.end);
        previous = w;
      }
    }
  });

  it.each([0, 32, 1.5, Number.NaN])('rejects the anchor day %p', (anchor) => {
    expect(() => cycleWindow(anchor, utc('2025-01-01T00:00:00'))).toThrow(RangeError);
  });
});

describe(planChange.name, () => {
  const BASIC = 1_500_000;
  const PRO = 5_000_000;
  const PREMIUM = 15_000_000;

  it('upgrades now, keeps the unused credits and grants the new plan in full', async () => {
    const sut = planChange(await compileBundled(), 'basic', 'pro', [{ plan: 'basic', mc: BASIC }]);
    expect(sut).toEqual({ kind: 'upgrade', effective: 'now', unused: 'carry-over', grantMc: PRO });
  });

  it('grants each plan in full on a second upgrade in the same cycle', async () => {
    const sut = planChange(await compileBundled(), 'pro', 'premium', [
      { plan: 'basic', mc: BASIC },
      { plan: 'pro', mc: PRO },
    ]);
    expect(sut.grantMc).toBe(PREMIUM);
  });

  it('never grants the same plan twice in one cycle', async () => {
    const compiled = await compileBundled();
    // basic -> pro -> (downgrade) -> pro again within one cycle
    const sut = planChange(compiled, 'basic', 'pro', [
      { plan: 'basic', mc: BASIC },
      { plan: 'pro', mc: PRO },
    ]);
    expect(sut).toEqual({ kind: 'upgrade', effective: 'now', unused: 'carry-over', grantMc: 0 });
  });

  it('downgrades at the next cycle and grants nothing', async () => {
    const sut = planChange(await compileBundled(), 'premium', 'basic', [{ plan: 'premium', mc: PREMIUM }]);
    expect(sut).toEqual({ kind: 'downgrade', effective: 'next-cycle', unused: 'carry-over', grantMc: 0 });
  });

  it('does nothing for the same plan', async () => {
    expect(planChange(await compileBundled(), 'pro', 'pro', [])).toEqual({ kind: 'same', effective: 'now', unused: 'carry-over', grantMc: 0 });
  });

  it('moves an account off a plan the rules no longer have now, granting nothing, to the cheapest plan or the dearest', async () => {
    const compiled = await compileBundled();
    const move = { kind: 'move', effective: 'now', unused: 'carry-over', grantMc: 0 };
    expect([planChange(compiled, 'legacy', 'basic', [{ plan: 'legacy', mc: 50_000_000 }]), planChange(compiled, 'legacy', 'premium', [])]).toEqual([move, move]);
  });

  it('rejects a change to a plan that is not on the ladder', async () => {
    const compiled = await compileBundled();
    expect(() => planChange(compiled, 'basic', 'enterprise', [])).toThrow(RangeError);
  });

  it('follows the policy: `difference` grants only what the cycle\'s grants fall short of, `immediate` and `expire` apply at once', async () => {
    const compiled = await compileYaml({
      'plans.yaml': PLANS_YAML,
      'cycle.yaml': yaml('cycle:', '  upgrade: expire', '  upgradeGrant: difference', '  downgrade: immediate'),
      'x.yaml': yaml('actions:', '  chat.edit:', '    price: 1 cr'),
    });
    expect(planChange(compiled, 'basic', 'pro', [{ plan: 'basic', mc: BASIC }])).toEqual({ kind: 'upgrade', effective: 'now', unused: 'expire', grantMc: PRO - BASIC });
    expect(planChange(compiled, 'basic', 'premium', [{ plan: 'basic', mc: BASIC }]).grantMc).toBe(PREMIUM - BASIC);
    expect(planChange(compiled, 'basic', 'pro', []).grantMc).toBe(PRO);
    // basic -> pro -> premium in one cycle grants the premium allowance in total, no more.
    const toPro = planChange(compiled, 'basic', 'pro', [{ plan: 'basic', mc: BASIC }]).grantMc;
    const toPremium = planChange(compiled, 'pro', 'premium', [{ plan: 'basic', mc: BASIC }, { plan: 'pro', mc: toPro }]).grantMc;
    expect(BASIC + toPro + toPremium).toBe(PREMIUM);
    expect(planChange(compiled, 'premium', 'pro', []).effective).toBe('now');
  });
});
