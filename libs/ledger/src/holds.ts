import { DecisionDenied, LedgerError } from './errors';
import { hashOf, newId } from './ids';
import type { ActionRequest, Caller, Idempotent, LedgerDeps, OpContext } from './operation';
import { planHold } from './planner/charges';
import { planCapture, planRelease, type CaptureInput } from './planner/holds';
import { audit } from './planner/plan';
import { accountNotFound } from './reads';
import { loadHold } from './store/load';
import { idempotent, transaction } from './store/transactions';
import { withBooks } from './store/unit-of-work';
import { chargeView, holdView, type ChargeView, type HoldView } from './views';

function context(deps: LedgerDeps, now: Date, caller: Caller): OpContext {
  return { compiled: deps.rules.active(now), now, caller, newId };
}

function holdNotFound(id: string): LedgerError {
  return new LedgerError('HOLD_NOT_FOUND', `hold \`${id}\` does not exist`);
}

/** The hold's account and the rule-set version that priced it (neither ever changes), read without a lock. */
async function holdOwner(deps: LedgerDeps, holdId: string): Promise<{ accountId: string; rulesetVersion: string }> {
  const em = deps.db.orm.em.fork();
  const rows = await em.getConnection().execute<{ account_id: string; ruleset_version: string }[]>('select account_id, ruleset_version from hold where id = ?', [holdId]);
  if (!rows[0]) throw holdNotFound(holdId);
  return { accountId: rows[0].account_id, rulesetVersion: rows[0].ruleset_version };
}

/** Reserves the quoted cost for a long job. Reserved credits are not spendable; the use counts now. */
export async function hold(deps: LedgerDeps, req: ActionRequest, ttlSeconds: number, key: string, now: Date, caller: Caller): Promise<Idempotent<HoldView>> {
  const hash = hashOf({ op: 'hold', accountId: req.accountId, action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false, ttl: ttlSeconds });
  await deps.logs.flush();
  const ctx = context(deps, now, caller);
  const result = await idempotent<HoldView | DecisionDenied>(deps.db, deps.reads, 'hold', key, hash, (em) =>
    withBooks(em, deps.db.kind, ctx, [req.accountId], { actions: [req.action] }, (plan, books) => {
      const book = books.get(req.accountId);
      if (!book) throw accountNotFound(req.accountId);
      const planned = planHold(plan, book, ctx, req, ttlSeconds, key);
      // A denial is logged (this transaction commits the log row) and changes nothing else.
      if (!planned.allowed) return new DecisionDenied(planned.decision, planned.state);
      const body = (): HoldView => holdView(planned.value, book.account, planned.decision);
      plan.idempotency.push({ scope: 'hold', key, requestHash: hash, status: 201, body, createdAt: now });
      return body();
    }),
  );
  if (result.body instanceof DecisionDenied) throw result.body;
  return result as Idempotent<HoldView>;
}

/**
 * Charges a hold: the actual parameters' price (priced as the hold was), or an explicit amount,
 * never more than the hold. The rest is released.
 */
export async function capture(deps: LedgerDeps, holdId: string, input: CaptureInput, now: Date, caller: Caller): Promise<{ charge: ChargeView; hold: HoldView }> {
  const owner = await holdOwner(deps, holdId);
  const compiledAtHold = (await deps.rules.get(owner.rulesetVersion)) ?? deps.rules.active(now);
  await deps.logs.flush();
  const ctx = context(deps, now, caller);
  return transaction(deps.db, (em) =>
    withBooks(em, deps.db.kind, ctx, [owner.accountId], {}, async (plan, books) => {
      const book = books.get(owner.accountId)!;
      const h = await loadHold(em, book, holdId, plan);
      if (!h) throw holdNotFound(holdId);
      const { charge, decision } = planCapture(plan, book, ctx, h, compiledAtHold, input);
      return () => ({ charge: chargeView({ ...charge, entryId: charge.entry?.id ?? null }, decision), hold: holdView(h, book.account) });
    }),
  ).then((view) => view());
}

/** Frees a hold's credits and its quota. */
export async function release(deps: LedgerDeps, holdId: string, now: Date, caller: Caller): Promise<HoldView> {
  const owner = await holdOwner(deps, holdId);
  const ctx = context(deps, now, caller);
  return transaction(deps.db, (em) =>
    withBooks(em, deps.db.kind, ctx, [owner.accountId], {}, async (plan, books) => {
      const book = books.get(owner.accountId)!;
      const h = await loadHold(em, book, holdId, plan);
      if (!h) throw holdNotFound(holdId);
      planRelease(plan, book, ctx, h);
      audit(plan, ctx, 'hold.release', holdId, { accountId: book.account.id });
      return holdView(h, book.account);
    }),
  );
}
