import { formatCredits, parseRate, UNIT_ALIASES, type Unit } from './amounts';
import { closest } from './check-schema';
import type { Diagnostic } from './diagnostics';
import type { YamlFile, YamlPath } from './yaml-source';

/** `2 cr/secs`: an amount of credits and a unit after the slash. */
const WITH_UNIT = /^\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,3})?)\s*(cr|credits?)\s*\/\s*(.+?)\s*$/i;

/** Per-minute and per-hour rates, which have no unit of their own: what they are per second. */
const PER_SECOND: Readonly<Record<string, number>> = { min: 60, mins: 60, minute: 60, minutes: 60, m: 60, h: 3600, hr: 3600, hour: 3600, hours: 3600 };

/** The accepted spellings, as a PM reads them: `cr/sec` (or `s`, `second`), ... */
export function unitSpellings(): string {
  const byUnit = new Map<Unit, string[]>();
  for (const [spelling, unit] of Object.entries(UNIT_ALIASES)) byUnit.set(unit, [...(byUnit.get(unit) ?? []), spelling]);
  const order: Unit[] = ['second', 'message', 'edit', 'request', '1k-tokens'];
  const main: Record<Unit, string> = { second: 'sec', message: 'msg', edit: 'edit', request: 'req', '1k-tokens': '1k-tokens' };
  return order
    .map((u) => {
      const others = (byUnit.get(u) ?? []).filter((s) => s !== main[u]);
      return `\`cr/${main[u]}\`${others.length ? ` (or ${others.map((s) => `\`${s}\``).join(', ')})` : ''}`;
    })
    .join(', ');
}

/** What is wrong with the unit of a rate written as text, if anything; with the unit it most likely means. */
export function rateUnitProblem(raw: unknown): { unit: string; message: string; hint?: string; meant?: Unit } | undefined {
  const m = typeof raw === 'string' ? WITH_UNIT.exec(raw) : null;
  if (!m) return undefined;
  const [, amount, cr, unit] = m;
  const lower = unit.toLowerCase();
  // A known unit in lowercase is right (an uppercase one parses too, but the schema and editors want lowercase).
  if (UNIT_ALIASES[lower] && unit === lower && cr === cr.toLowerCase()) return undefined;
  const spellings = unitSpellings();
  if (UNIT_ALIASES[lower] && (unit !== lower || cr !== cr.toLowerCase())) {
    return { unit: `${cr}/${unit}`, message: `rate \`${raw}\`: write the unit in lowercase, \`${amount} cr/${lower}\``, meant: UNIT_ALIASES[lower] };
  }
  const perSecond = PER_SECOND[lower];
  if (perSecond) {
    const mc = parseRate(amount)?.mc;
    const each = mc !== undefined && (mc * 1000) % (perSecond * 1000) === 0 ? formatCredits(mc / perSecond) : undefined;
    return {
      unit: unit,
      message: `rate \`${raw}\`: \`${unit}\` is not a unit; rates are written ${spellings}`,
      hint: each !== undefined ? `a rate per ${lower.startsWith('h') ? 'hour' : 'minute'} is written per second: \`${each} cr/sec\`` : 'write the rate per second (`cr/sec`)',
      meant: 'second',
    };
  }
  const near = closest(lower, Object.keys(UNIT_ALIASES));
  return {
    unit,
    message: `rate \`${raw}\`: \`${unit}\` is not a unit; rates are written ${spellings}`,
    ...(near ? { hint: `did you mean \`${amount} cr/${near}\`?`, meant: UNIT_ALIASES[near] } : {}),
  };
}

/** Where rates are written in a rule file: each price, its `rate`, its variants and their `rate`. */
function ratePaths(data: unknown): YamlPath[] {
  const paths: YamlPath[] = [];
  const actions = (data as { actions?: unknown } | null)?.actions;
  if (!actions || typeof actions !== 'object') return paths;
  for (const [id, action] of Object.entries(actions as Record<string, unknown>)) {
    const price = (action as { price?: unknown } | null)?.price;
    if (price === undefined || price === null) continue;
    if (typeof price !== 'object') {
      paths.push(['actions', id, 'price']);
      continue;
    }
    const p = price as { rate?: unknown; variants?: unknown };
    if (p.rate !== undefined) paths.push(['actions', id, 'price', 'rate']);
    if (p.variants && typeof p.variants === 'object') {
      for (const [key, v] of Object.entries(p.variants as Record<string, unknown>)) {
        paths.push(v !== null && typeof v === 'object' ? ['actions', id, 'price', 'variants', key, 'rate'] : ['actions', id, 'price', 'variants', key]);
      }
    }
  }
  return paths;
}

function valueAt(data: unknown, path: YamlPath): unknown {
  return path.reduce<unknown>((node, seg) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined), data);
}

/**
 * One `unknown-unit` diagnostic per rate whose unit is misspelt (`2 cr/secs`, `120 cr/min`,
 * `2 CR/SEC`), naming the bad unit and the accepted spellings, and the YAML paths it speaks for:
 * the schema's errors there (and at the price around it) are the same problem and are dropped.
 */
export function checkRateUnits(file: YamlFile): { diagnostics: Diagnostic[]; covered: Set<string> } {
  const diagnostics: Diagnostic[] = [];
  const covered = new Set<string>();
  for (const path of ratePaths(file.data)) {
    const problem = rateUnitProblem(valueAt(file.data, path));
    if (!problem) continue;
    const location = file.locate(path);
    diagnostics.push({ severity: 'error', code: 'unknown-unit', message: problem.message, location, ...(problem.hint ? { hint: problem.hint } : {}) });
    // The rate, the variant holding it, and the price: each a place the schema reports the same problem.
    const price = path.indexOf('price');
    for (let end = price + 1; end <= path.length; end++) covered.add(file.locate(path.slice(0, end)).path);
  }
  return { diagnostics, covered };
}

/** The unit a rate with a misspelt unit most likely means, so later stages report nothing more about it. */
export function meantUnit(raw: unknown): Unit | undefined {
  const problem = rateUnitProblem(raw);
  return problem ? (problem.meant ?? 'request') : undefined;
}

