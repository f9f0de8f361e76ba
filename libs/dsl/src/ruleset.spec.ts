import { closest } from './check-schema';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics';
import { checkValue } from './normalize-params';
import { enumerateValues, MAX_ENUMERATED_RANGE, type Param } from './ruleset';
import { isCaseFile, isRuleFile, MemoryRuleSource } from './source';
import { formatPath } from './yaml-source';

const at = { file: 'x.yaml', line: 1, column: 1, path: '' };
const param = (p: Partial<Param>): Param => ({ name: 'p', type: 'string', at, ...p });

describe(enumerateValues.name, () => {
  it('lists declared values, booleans and small whole-number ranges', () => {
    expect(enumerateValues(param({ values: ['a', 'b'] }))).toEqual(['a', 'b']);
    expect(enumerateValues(param({ type: 'boolean' }))).toEqual([false, true]);
    expect(enumerateValues(param({ type: 'integer', min: 1, max: 8 }))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(enumerateValues(param({ type: 'integer', min: 1, max: MAX_ENUMERATED_RANGE }))).toHaveLength(MAX_ENUMERATED_RANGE);
  });

  it('does not enumerate text, fractions, unbounded or wide ranges', () => {
    expect(enumerateValues(param({}))).toBeUndefined();
    expect(enumerateValues(param({ type: 'number', min: 0, max: 1 }))).toBeUndefined();
    expect(enumerateValues(param({ type: 'integer', min: 0 }))).toBeUndefined();
    expect(enumerateValues(param({ type: 'integer', min: 0, max: MAX_ENUMERATED_RANGE }))).toBeUndefined();
  });
});

describe(checkValue.name, () => {
  const seconds = param({ name: 'seconds', type: 'integer', min: 1, max: 8 });
  it.each<[Param, unknown, string | undefined]>([
    [seconds, 8, undefined],
    [seconds, 9, '`9` is above the maximum 8'],
    [seconds, 0, '`0` is below the minimum 1'],
    [seconds, 2.5, '`2.5` is not a whole number'],
    [seconds, '8', '`8` is not a whole number'],
    [param({ values: ['s', 'm'] }), 'xl', '`xl` is not one of `s`, `m`'],
    [param({ values: ['s', 'm'] }), 3, '`3` is not text'],
    [param({ type: 'boolean' }), 'yes', '`yes` is not true or false'],
    [param({ type: 'number' }), 'x', '`x` is not a number'],
    [param({ type: 'number', min: 0 }), 0.5, undefined],
  ])('%#: says why a value is not allowed', (p, value, why) => {
    expect(checkValue(p, value)).toBe(why);
  });
});

describe(isCaseFile.name, () => {
  it('tells case files from rule files', () => {
    expect(['a.test.yaml', 'b.test.yml', 'dir/c.TEST.YAML'].map(isCaseFile)).toEqual([true, true, true]);
    expect(['a.yaml', 'b.yml', 'a.test.yaml', 'readme.md', 'a.yaml.bak'].map(isRuleFile)).toEqual([true, true, false, false, false]);
  });
});

describe(MemoryRuleSource.name, () => {
  it('serves the files it holds', async () => {
    const files = [{ path: 'rules/a.yaml', text: 'plans: []' }];
    const sut = new MemoryRuleSource('memory', files);
    expect(sut.name).toBe('memory');
    expect(await sut.load()).toEqual(files);
  });
});

describe(closest.name, () => {
  it('suggests a near name and nothing for a far one', () => {
    expect(closest('prise', ['price', 'phases', 'free'])).toBe('price');
    expect(closest('Premium', ['basic', 'pro', 'premium'])).toBe('premium');
    expect(closest('zzz', ['basic', 'pro', 'premium'])).toBeUndefined();
  });
});

describe(formatPath.name, () => {
  it('writes plain keys with dots, others quoted, indexes in brackets', () => {
    expect(formatPath(['actions', 'image.generate', 'price', 'variants', 'flux-pro'])).toBe('actions["image.generate"].price.variants["flux-pro"]');
    expect(formatPath(['plans', 0, 'id'])).toBe('plans[0].id');
    expect(formatPath([])).toBe('');
  });
});

describe(sortDiagnostics.name, () => {
  it('orders by file, line and column, and counts only errors as errors', () => {
    const d = (file: string, line: number, column: number, severity: Diagnostic['severity'] = 'error'): Diagnostic => ({ severity, code: 'c', message: 'm', location: { file, line, column, path: '' } });
    const sut = sortDiagnostics([d('b.yaml', 1, 1), d('a.yaml', 9, 2), d('a.yaml', 9, 1), d('a.yaml', 2, 5)]);
    expect(sut.map((x) => `${x.location!.file}:${x.location!.line}:${x.location!.column}`)).toEqual(['a.yaml:2:5', 'a.yaml:9:1', 'a.yaml:9:2', 'b.yaml:1:1']);
    expect(hasErrors([d('a.yaml', 1, 1, 'warning')])).toBe(false);
    expect(hasErrors([d('a.yaml', 1, 1, 'warning'), d('a.yaml', 2, 1)])).toBe(true);
  });
});
