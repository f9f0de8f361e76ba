import { loadCases } from '@ratecard/dsl';
import { runCases, type CompiledRuleSet } from '@ratecard/engine';
import { ratecard } from '../support/cli-io';
import { compileBundled, NOW, readRuleFiles } from '../support/rules';

// The expected-result cases PMs write next to the rules (rules/*.test.yaml), one jest test each,
// so that `npm test` runs them and names the failing one.

const { cases, diagnostics } = loadCases(readRuleFiles());

describe('rules/*.test.yaml', () => {
  let compiled: CompiledRuleSet;
  beforeAll(async () => {
    compiled = await compileBundled();
  });

  it('load without diagnostics', () => {
    expect(diagnostics).toEqual([]);
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [`${c.at.file}:${c.at.line} ${c.note}`, c] as const))('%s', (_, c) => {
    const [result] = runCases(compiled, [c], NOW);
    expect(result.mismatches).toEqual([]);
  });

  it('cover every action of the price list on every plan', () => {
    const missing: string[] = [];
    for (const action of compiled.actions.keys()) {
      for (const plan of compiled.plans.keys()) {
        if (!cases.some((c) => c.action === action && c.plan === plan)) missing.push(`${action} on ${plan}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('all pass through `ratecard test`', async () => {
    const { code, stdout, stderr } = await ratecard(['test']);
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`^${cases.length} passed, 0 failed \\(${cases.length} cases, rules [0-9a-f]{12}\\)$`));
    expect(code).toBe(0);
  });
});
