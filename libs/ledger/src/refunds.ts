import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Millicredits } from '@ratecard/dsl';
import { LedgerError } from './errors';
import { hashOf, newId } from './ids';
import type { Caller, Idempotent, LedgerDeps, OpContext } from './operation';
import { planRefund } from './planner/refunds';
import { fork, idempotent, transaction } from './store/transactions';
import { loadRefundable, ownerOf } from './store/load';
import { withBooks } from './store/unit-of-work';
import type { RefundView } from './views';

function chargeNotFound(id: string): LedgerError {
  return new LedgerError('CHARGE_NOT_FOUND', `charge \`${id}\` does not exist`);
}

/**
 * Refunds all or part of a charge, never more than was charged across all refunds: the credits go
 * back to the grants that paid (see {@link planRefund}). With a key, a retry replays the first answer.
 */
export async function refund(deps: LedgerDeps, chargeId: string, input: { amountMc?: Millicredits; reason?: string }, key: string | undefined, now: Date, caller: Caller): Promise<Idempotent<RefundView>> {
  const accountId = await ownerOf(fork(deps.db), 'charge', chargeId);
  if (accountId === undefined) throw chargeNotFound(chargeId);
  const ctx: OpContext = { compiled: deps.rules.active(now), now, caller, newId };
  const hash = hashOf({ op: 'refund', chargeId, amountMc: input.amountMc ?? null, reason: input.reason ?? null });
  const run = (em: SqlEntityManager): Promise<RefundView> =>
    withBooks(em, deps.db.kind, ctx, [accountId], {}, async (plan, books) => {
      const book = books.get(accountId)!;
      const charge = await loadRefundable(em, book, chargeId);
      if (!charge) throw chargeNotFound(chargeId);
      const done = planRefund(plan, book, ctx, charge, input.amountMc, input.reason);
      const a = book.account;
      const body = (): RefundView => ({
        chargeId,
        accountId: a.id,
        refunded: done.amountMc / 1000,
        refundedMillicredits: done.amountMc,
        refundedTotal: (done.previousMc + done.amountMc) / 1000,
        remaining: (charge.costMc - done.previousMc - done.amountMc) / 1000,
        entryId: done.entry.id!,
        balance: a.balanceMc / 1000,
        balanceMillicredits: a.balanceMc,
        createdAt: now.toISOString(),
      });
      if (key !== undefined) plan.idempotency.push({ scope: 'refund', key, requestHash: hash, status: 201, body, createdAt: now });
      return body;
    }).then((body) => body());
  if (key === undefined) return { body: await transaction(deps.db, run), replayed: false };
  return idempotent(deps.db, deps.reads, 'refund', key, hash, run);
}
