import { formatCredits, fromCredits, type ParamValue } from '@ratecard/dsl';
import { decide, type CompiledRuleSet, type Decision } from '@ratecard/engine';
import { EXIT, UsageError, type CliIo } from '../io';
import { compileDir } from '../rules';

export interface QuoteOptions {
  rules: string;
  plan: string;
  action: string;
  param: string[];
  balance?: string;
  used: string[];
  confirm: boolean;
  json: boolean;
  /** The decision time, an ISO time; the clock when absent. */
  at?: string;
  /** The account's next billing date, an ISO time: when a quota resets. */
  cycleEnd?: string;
}

/** An ISO 8601 date, or date and time with `Z` or an offset. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** Parses an option that takes an ISO time (a date is midnight UTC), or throws a usage error naming it. */
export function isoTime(option: string, value: string): Date {
  const m = ISO_TIME.exec(value);
  const n = (m ?? []).slice(1).map((x) => Number(x ?? 0));
  const day = m ? new Date(Date.UTC(n[0], n[1] - 1, n[2])) : undefined;
  // Date.parse rolls 2026-02-30 over into March; check the fields it would roll over.
  const real = day !== undefined && day.getUTCMonth() === n[1] - 1 && day.getUTCDate() === n[2] && n[3] < 24 && n[4] < 60 && n[5] < 60 && n[6] < 24 && n[7] < 60;
  const t = real ? Date.parse(m![4] === undefined ? `${value}T00:00:00Z` : value) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`${option} takes an ISO time such as \`2026-12-15\` or \`2026-12-15T09:00Z\`, got \`${value}\``);
  return new Date(t);
}

/** `ratecard quote`: one decision, for a PM trying a price. Exit 0 whenever a decision is printed. */
export async function quote(io: CliIo, opts: QuoteOptions): Promise<number> {
  const { compiled } = await compileDir(io, opts.rules);
  if (!compiled) return EXIT.failed;
  const params = parseParams(compiled, opts.action, opts.param);
  const usage: Record<string, number> = {};
  for (const u of opts.used) {
    const m = /^([^=]+)=(\d+)$/.exec(u);
    if (!m) throw new UsageError(`--used takes \`action=count\`, got \`${u}\``);
    usage[m[1]] = Number(m[2]);
  }
  const plan = compiled.plans.get(opts.plan);
  let balanceMc = plan?.plan.allowanceMc ?? 0;
  if (opts.balance !== undefined) {
    const mc = fromCredits(opts.balance);
    if (mc === undefined || mc < 0) throw new UsageError(`--balance takes credits such as \`1500\` or \`0.5\`, got \`${opts.balance}\``);
    balanceMc = mc;
  }
  const now = opts.at !== undefined ? isoTime('--at', opts.at) : io.now();
  const cycleEnd = opts.cycleEnd !== undefined ? isoTime('--cycle-end', opts.cycleEnd) : undefined;
  const account = { plan: opts.plan, balanceMc, usage, ...(cycleEnd ? { cycleEnd } : {}) };
  const decision = decide(compiled, account, { action: opts.action, params, confirm: opts.confirm }, now);
  io.out(opts.json ? JSON.stringify(decision, null, 2) : render(compiled, opts, balanceMc, decision, opts.at !== undefined ? now : undefined));
  return EXIT.ok;
}

/** `k=v` pairs, typed by the action's parameter declarations (numbers stay numbers). */
function parseParams(compiled: CompiledRuleSet, action: string, pairs: readonly string[]): Record<string, ParamValue> {
  const declared = compiled.actions.get(action)?.params;
  const params: Record<string, ParamValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes \`name=value\`, got \`${pair}\``);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const type = declared?.get(name)?.type;
    if ((type === 'integer' || type === 'number') && raw.trim() !== '' && !Number.isNaN(Number(raw))) params[name] = Number(raw);
    else if (type === 'boolean' && (raw === 'true' || raw === 'false')) params[name] = raw === 'true';
    else params[name] = raw;
  }
  return params;
}

function render(compiled: CompiledRuleSet, opts: QuoteOptions, balanceMc: number, d: Decision, at: Date | undefined): string {
  const plan = compiled.plans.get(opts.plan)?.plan;
  const lines: string[] = [];
  const when = at ? ` at ${at.toISOString()}` : '';
  lines.push(`${opts.action} on ${plan?.name ?? opts.plan} (balance ${formatCredits(balanceMc, { group: true })} cr)${when}: ${d.allowed ? 'ALLOWED' : 'DENIED'}`);
  const cost = `${formatCredits(d.costMillicredits, { group: true })} cr`;
  // Nothing priced it: an unknown action, parameters it does not take, or a plan the rules do not have.
  const unpriced = !d.exempt && d.breakdown.length === 0 && d.reasons.length > 0;
  lines.push(`  cost     ${unpriced ? '— (cannot be priced)' : d.exempt ? 'free (exempt)' : d.allowed ? cost : `${cost} (what it would cost)`}`);
  if (d.requiresConfirmation) lines.push(`  confirm  required${opts.confirm ? ' (confirmed)' : ''}`);
  d.reasons.forEach((r, i) => lines.push(`${i === 0 ? '  reasons  ' : '           '}${r.code}: ${r.message}`));
  (d.alternatives ?? []).forEach((a, i) => lines.push(`${i === 0 ? '  options  ' : '           '}${a.message}`));
  const width = Math.max(0, ...d.breakdown.map((b) => b.label.length));
  d.breakdown.forEach((b, i) => {
    const credits = formatCredits(Math.round(b.credits * 1000), { group: true });
    lines.push(`${i === 0 ? '  receipt  ' : '           '}${b.label.padEnd(width)}  ${i === 0 ? credits : (b.credits >= 0 ? '+' : '') + credits}${b.assumption ? '  [assumed]' : ''}`);
  });
  const assumed = [...new Set(d.breakdown.flatMap((b) => (b.assumption ? [b.assumption] : [])))];
  // The balance defaults to the plan's allowance, so an assumed allowance is shown too.
  if (plan?.assumption && opts.balance === undefined) assumed.unshift(`${plan.name} allowance: ${plan.assumption}`);
  assumed.forEach((a, i) => lines.push(`${i === 0 ? '  assumed  ' : '           '}${a}`));
  lines.push(`  rules    ${compiled.version.slice(0, 12)}`);
  return lines.join('\n');
}
