import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Millicredits } from '@ratecard/dsl';
import type { CompiledRuleSet } from '@ratecard/engine';
import type { Book } from './book';
import { LedgerError } from './errors';
import { hashOf, newId } from './ids';
import type { Caller, Idempotent, LedgerDeps, OpContext } from './operation';
import { planNewAccount, planPlanChange, type AppliedPlanChange } from './planner/cycle';
import { addGrant, DEFAULT_GRANT_PRIORITY, type GrantSpec } from './planner/grants';
import { audit, Plan } from './planner/plan';
import { accountNotFound, readAccountView } from './reads';
import { idempotent, transaction } from './store/transactions';
import { withBooks } from './store/unit-of-work';
import { applyPlan, storeResponse } from './store/write';
import { grantView, type AccountView, type GrantView } from './views';

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Highest draw priority a caller may give (lower is drawn first). */
export const MAX_GRANT_PRIORITY = 1000;

function context(deps: LedgerDeps, now: Date, caller: Caller): OpContext {
  return { compiled: deps.rules.active(now), now, caller, newId };
}

export function unknownPlan(compiled: CompiledRuleSet, plan: string): LedgerError {
  return new LedgerError('UNKNOWN_PLAN', `\`${plan}\` is not a plan; plans are ${[...compiled.plans.keys()].map((p) => `\`${p}\``).join(', ')}`, { plan });
}

/** Runs `fn` on one account's book in a transaction. */
function onAccount<T>(deps: LedgerDeps, em: SqlEntityManager, ctx: OpContext, id: string, fn: (plan: Plan, book: Book) => T, allowances = false): Promise<T> {
  return withBooks(em, deps.db.kind, ctx, [id], { allowances }, (plan, books) => {
    const book = books.get(id);
    if (!book) throw accountNotFound(id);
    return fn(plan, book);
  });
}

/** Creates an account and grants its plan's allowance for the current cycle. */
export async function createAccount(deps: LedgerDeps, input: { id?: string; plan: string; billingAnchor?: number }, now: Date, caller: Caller): Promise<AccountView> {
  const ctx = context(deps, now, caller);
  if (!ctx.compiled.plans.has(input.plan)) throw unknownPlan(ctx.compiled, input.plan);
  const id = input.id ?? newId('acct');
  if (!ACCOUNT_ID.test(id)) throw new LedgerError('ACCOUNT_NOT_FOUND', `\`${id}\` is not a valid account id`);
  try {
    return await transaction(deps.db, async (em) => {
      const plan = new Plan();
      planNewAccount(plan, ctx, { id, plan: input.plan, billingAnchor: input.billingAnchor ?? now.getUTCDate() });
      await applyPlan(em, plan);
      return readAccountView(em, id, ctx.compiled, now);
    });
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException) throw new LedgerError('ACCOUNT_EXISTS', `account \`${id}\` already exists`, { accountId: id });
    throw e;
  }
}

/** Changes the plan, as the rules' cycle policy says (see {@link planPlanChange}). */
export async function changePlan(deps: LedgerDeps, id: string, to: string, now: Date, caller: Caller): Promise<{ account: AccountView; change: AppliedPlanChange }> {
  const ctx = context(deps, now, caller);
  if (!ctx.compiled.plans.has(to)) throw unknownPlan(ctx.compiled, to);
  return transaction(deps.db, async (em) => {
    const change = await onAccount(deps, em, ctx, id, (plan, book) => planPlanChange(plan, book, ctx, to), true);
    return { account: await readAccountView(em, id, ctx.compiled, now), change };
  });
}

/** What a caller grants. */
export interface GrantInput {
  readonly amountMc: Millicredits;
  readonly reason: string;
  /** When the grant expires: a time, `null` for never; absent, the end of the current cycle. */
  readonly expiresAt?: Date | null;
  /** Lower is drawn first; default {@link DEFAULT_GRANT_PRIORITY}. */
  readonly priority?: number;
}

/** An account with the grant just made. */
export type GrantedView = AccountView & { readonly grant: GrantView };

/**
 * Grants credits (goodwill, a top-up) as a grant with its own expiry and priority. With a key, a
 * retry replays the first answer and another request under the key is refused.
 */
export async function grant(deps: LedgerDeps, id: string, input: GrantInput, key: string | undefined, now: Date, caller: Caller): Promise<Idempotent<GrantedView>> {
  const priority = input.priority ?? DEFAULT_GRANT_PRIORITY;
  const hash = hashOf({ op: 'grant', accountId: id, amountMc: input.amountMc, reason: input.reason, expiresAt: input.expiresAt === undefined ? 'cycle' : (input.expiresAt?.toISOString() ?? 'never'), priority });
  // Checked after the key is looked up: a retry of a grant made earlier replays, even once its expiry has passed.
  const check = (): void => {
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw new LedgerError('INVALID_GRANT', `a grant must expire after now (${now.toISOString()}), not at ${input.expiresAt.toISOString()}`, { expiresAt: input.expiresAt.toISOString() });
    }
  };
  return granting(deps, id, { scope: 'grant', key, hash, check }, now, caller, (book) => ({
    source: 'goodwill',
    amountMc: input.amountMc,
    expiresAt: input.expiresAt === undefined ? book.account.cycleEnd : input.expiresAt,
    priority,
    reason: input.reason,
  }));
}

/** The shared path of grants and packs: one grant, its entry, an audit event, the account after. */
export async function granting(
  deps: LedgerDeps,
  id: string,
  /** The key and what makes two requests the same; `check` validates a new request (a replay skips it). */
  idempotency: { readonly scope: 'grant' | 'pack'; readonly key: string | undefined; readonly hash: string; readonly check?: () => void },
  now: Date,
  caller: Caller,
  spec: (book: Book, ctx: OpContext) => GrantSpec,
): Promise<Idempotent<GrantedView>> {
  const ctx = context(deps, now, caller);
  const { scope, key, hash } = idempotency;
  const run = async (em: SqlEntityManager): Promise<GrantedView> => {
    idempotency.check?.();
    const g = await onAccount(deps, em, ctx, id, (plan, book) => {
      const s = spec(book, ctx);
      const { grant: made } = addGrant(plan, book, ctx, s);
      audit(plan, ctx, `account.${scope}`, id, { grantId: made.id, amountMc: s.amountMc, reason: s.reason, expiresAt: s.expiresAt?.toISOString() ?? null, priority: made.priority, ...(s.pack ? { pack: s.pack } : {}) });
      return made;
    });
    const body: GrantedView = { ...(await readAccountView(em, id, ctx.compiled, now)), grant: grantView(g, now) };
    if (key !== undefined) await storeResponse(em, { scope, key, requestHash: hash, status: 201, body: () => body, createdAt: now });
    return body;
  };
  if (key === undefined) return { body: await transaction(deps.db, run), replayed: false };
  return idempotent(deps.db, deps.reads, scope, key, hash, run);
}

/**
 * Grants a credit pack the customer bought (ratecard takes no payments: the calling service reports
 * the purchase): the pack's credits, valid for the pack's days from now or for ever, as the active
 * rules' catalogue says. The key makes the report safe to retry; the same key never grants twice.
 */
export async function grantPack(deps: LedgerDeps, id: string, packId: string, key: string, now: Date, caller: Caller): Promise<Idempotent<GrantedView>> {
  const compiled = deps.rules.active(now);
  if (!compiled.packs.has(packId)) {
    const known = [...compiled.packs.keys()];
    throw new LedgerError('UNKNOWN_PACK', `\`${packId}\` is not a pack of the active rules; ${known.length ? `packs are ${known.map((p) => `\`${p}\``).join(', ')}` : 'the rules sell no packs'}`, { pack: packId });
  }
  const hash = hashOf({ op: 'pack', accountId: id, pack: packId });
  return granting(deps, id, { scope: 'pack', key, hash }, now, caller, (_book, ctx) => {
    // The catalogue of the rules this operation runs under (the same version as checked above, unless an activation came between).
    const pack = ctx.compiled.packs.get(packId) ?? compiled.packs.get(packId)!;
    return {
      source: 'pack',
      amountMc: pack.creditsMc,
      expiresAt: pack.validDays === null ? null : new Date(now.getTime() + pack.validDays * 86_400_000),
      reason: `pack ${pack.name}`,
      pack: pack.id,
      rulesetVersion: ctx.compiled.packs.has(packId) ? ctx.compiled.version : compiled.version,
    };
  });
}
