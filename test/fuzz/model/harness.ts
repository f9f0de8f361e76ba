import fc from 'fast-check';
import { decide, type Decision } from '@ratecard/engine';
import { DecisionDenied, LedgerError, type GrantView, type Ledger } from '@ratecard/ledger';
import { balanceOf, DEFAULT_PRIORITY, heldBy, liveGrants, touch, type ModelAccount, type ModelCharge, type ModelHold, type Policy } from './credits';

// The model's state, what a command expects, and the comparison with the ledger after every command.

export const caller = { actor: 'model-test' };
const UNKNOWN_ACCOUNT = 'no-such-account';

/** What a stored idempotency key answers: the same request replays, another one is refused. */
interface StoredKey {
  /** The request's identity (see {@link identity}). */
  readonly request: string;
  /** The request as sent, defaults not filled in. */
  readonly literal: string;
  readonly id: string;
}

export interface Model {
  readonly run: string;
  now: Date;
  readonly accounts: ModelAccount[];
  readonly holds: ModelHold[];
  readonly charges: ModelCharge[];
  /** By `scope:key`. */
  readonly keys: Map<string, StoredKey>;
  /** Keys used so far (stored or not), with the request sent, to reuse. */
  readonly usedKeys: { scope: string; key: string; request: Record<string, unknown> }[];
  counter: number;
}

export interface Real {
  readonly ledger: Ledger;
}

export type Cmd = fc.AsyncCommand<Model, Real>;

/**
 * Every command starts 1 ms after the previous one (so no two commands make grants at the same
 * instant, and the draw order never falls to the grants' random ids), with every account brought
 * up to that time.
 */
export function begin(m: Model, p: Policy, at?: Date): void {
  m.now = new Date(Math.max(m.now.getTime() + 1, at?.getTime() ?? 0));
  for (const a of m.accounts) touch(p, a, m.holds, m.now);
}

export const account = (m: Model, i: number): ModelAccount | undefined => m.accounts[i];
export const accountId = (m: Model, i: number): string => account(m, i)?.id ?? `${m.run}-${UNKNOWN_ACCOUNT}`;
export const findAccount = (m: Model, id: string): ModelAccount | undefined => m.accounts.find((x) => x.id === id);

// ------------------------------------------------------------------ idempotency keys

/** A request as a canonical string: what makes two requests "the same" for an idempotency key. */
function canonical(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/**
 * When two requests are "the same" for an idempotency key: what is absent means its default.
 * Absent parameters are `{}`, absent `confirm` is false, an absent hold lifetime is the default
 * (900 s), an absent refund amount is the rest of the charge, an absent grant priority is 100; a
 * grant's absent `expiresAt` (the end of the cycle the grant is made in) is its own value, as is
 * `null` (never).
 */
export function identity(scope: string, r: Record<string, unknown>): string {
  if (scope === 'refund') return canonical({ chargeId: r.chargeId, amountMc: r.amountMc ?? null });
  if (scope === 'grant') {
    return canonical({ accountId: r.accountId, amountMc: r.amountMc, reason: r.reason, expiresAt: r.expiresAt === undefined ? 'cycle end' : r.expiresAt === null ? 'never' : r.expiresAt, priority: r.priority ?? DEFAULT_PRIORITY });
  }
  return canonical({ accountId: r.accountId, action: r.action, params: r.params ?? {}, confirm: r.confirm ?? false, ...(scope === 'hold' ? { ttl: r.ttlSeconds ?? 900 } : {}) });
}

/** A fresh key, or one used before in this run (same request or not). */
export interface KeyChoice {
  readonly reuse: boolean;
  readonly pick: number;
}

export const keyLabel = (k: KeyChoice | undefined): string => (!k ? 'no key' : k.reuse ? `reuse key ${k.pick}` : 'fresh key');

export function chooseKey<T extends Record<string, unknown>>(m: Model, scope: string, choice: KeyChoice, fresh: T): { key: string; request: T } {
  const earlier = m.usedKeys.filter((k) => k.scope === scope);
  let chosen: { key: string; request: T };
  if (choice.reuse && earlier.length > 0) {
    const k = earlier[choice.pick % earlier.length];
    // Half the reuses send the same request again (a retry), half another one (a bug in the caller).
    chosen = { key: k.key, request: choice.pick % 2 === 0 ? (k.request as T) : fresh };
  } else chosen = { key: `${m.run}-${scope}-${++m.counter}`, request: fresh };
  m.usedKeys.push({ scope, ...chosen });
  return chosen;
}

/** What a key already stored answers for this request: a replay of `id`, a refusal, or nothing (not stored). */
export function storedAnswer(m: Model, scope: string, key: string | undefined, req: Record<string, unknown>): Outcome | undefined {
  const stored = key === undefined ? undefined : m.keys.get(`${scope}:${key}`);
  if (!stored) return undefined;
  if (stored.request !== identity(scope, req)) return { error: 'IDEMPOTENCY_KEY_REUSED' };
  // A grant that spells out the default priority where the first left it out (or the other way
  // round) asks for the same thing; docs/credits.md does not say whether it is the same request.
  const spelled = scope === 'grant' && stored.literal !== canonical(req);
  return { ok: { replayed: true, id: stored.id }, ...(spelled ? { or: 'IDEMPOTENCY_KEY_REUSED' } : {}) };
}

export function storeKey(m: Model, scope: string, key: string | undefined, req: Record<string, unknown>, id: string): void {
  if (key !== undefined) m.keys.set(`${scope}:${key}`, { request: identity(scope, req), literal: canonical(req), id });
}

// ------------------------------------------------------------------ decisions and outcomes

/** What the ledger's decision sees: plan, spendable balance, this cycle's usage of a quota'd action. */
export function decideFor(p: Policy, m: Model, a: ModelAccount, req: { action: string; params?: Record<string, unknown>; confirm?: boolean }): Decision {
  const usage = p.hasQuota(a.plan, req.action) ? { [req.action]: a.usage.get(`${a.cycleStart.getTime()}|${req.action}`) ?? 0 } : {};
  return decide(p.compiled, { plan: a.plan, balanceMc: balanceOf(a, m.now), usage }, { action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false }, m.now);
}

/** Success with (part of) the answer, or an error code; `or`: an error code that is as right, where the doc does not choose. */
export type Outcome = { ok: Record<string, unknown>; or?: string } | { error: string; or?: string };

/** A denial with its reasons and price, or a ledger error code. */
function errorOf(e: unknown): string {
  if (e instanceof DecisionDenied) return `DENIED ${e.decision.reasons.map((r) => r.code).join(',')} ${e.decision.costMillicredits}`;
  if (e instanceof LedgerError) return e.code;
  throw e;
}

export const denied = (d: Decision): Outcome => ({ error: `DENIED ${d.reasons.map((r) => r.code).join(',')} ${d.costMillicredits}` });

export async function attempt<T>(fn: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await fn() };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

export function expectOutcome(actual: { value: unknown } | { error: string }, expected: Outcome, what: string): void {
  const outcome = 'error' in actual ? actual.error : 'succeeded';
  if (expected.or !== undefined && outcome === expected.or) return;
  if ('error' in expected) expect({ what, outcome }).toEqual({ what, outcome: expected.error });
  else {
    expect({ what, outcome: 'error' in actual ? actual.error : 'succeeded' }).toEqual({ what, outcome: 'succeeded' });
    expect({ what, ...(actual as { value: Record<string, unknown> }).value }).toMatchObject({ what, ...expected.ok });
  }
}

/** A grant as compared: source, remaining, expiry (or null), priority. */
export type GrantTuple = [string, number, string | null, number];

/**
 * Gives the model's grants the ids of the ledger's live ones they stand for (same source, expiry,
 * priority and creation time): the draw order's last tie-break.
 */
function learnIds(a: ModelAccount, real: readonly GrantView[], now: Date): void {
  const known = new Set(a.grants.map((g) => g.id));
  const sig = (source: string, expiresAt: string | null, priority: number, createdAt: string): string => `${source}|${expiresAt}|${priority}|${createdAt}`;
  const unseen = new Map(real.filter((g) => !known.has(g.id)).map((g) => [sig(g.source, g.expiresAt, g.priority, g.createdAt), g.id]));
  for (const g of liveGrants(a, now).filter((x) => x.id === undefined)) {
    g.id = unseen.get(sig(g.source, g.expiresAt?.toISOString() ?? null, g.priority, g.createdAt.toISOString()));
  }
}

/** The model's accounts and the database's, as the ledger shows them at the model's time: live grants in draw order too. */
export async function expectAgreement(m: Model, r: Real, what: string): Promise<void> {
  for (const a of m.accounts) {
    const real = await r.ledger.getAccount(a.id, m.now);
    learnIds(a, real.grants, m.now);
    const usage = Object.fromEntries(real.usage.filter((u) => u.used !== 0).map((u) => [u.action, u.used]));
    const modelUsage = Object.fromEntries(
      [...a.usage.entries()].filter(([k, n]) => k.startsWith(`${a.cycleStart.getTime()}|`) && n !== 0).map(([k, n]) => [k.slice(k.indexOf('|') + 1), n]),
    );
    const grants = real.grants.map((g): GrantTuple => [g.source, g.remainingMillicredits, g.expiresAt, g.priority]);
    const modelGrants = liveGrants(a, m.now).map((g): GrantTuple => [g.source, g.remaining, g.expiresAt?.toISOString() ?? null, g.priority]);
    expect({ after: what, at: m.now.toISOString(), account: a.id, plan: real.plan, pending: real.pendingPlan, balance: real.balanceMillicredits, held: real.heldMillicredits, cycle: real.cycle.start, usage, grants }).toEqual({
      after: what,
      at: m.now.toISOString(),
      account: a.id,
      plan: a.plan,
      pending: a.pending,
      balance: balanceOf(a, m.now),
      held: heldBy(m.holds, a),
      cycle: a.cycleStart.toISOString(),
      usage: modelUsage,
      grants: modelGrants,
    });
  }
}
