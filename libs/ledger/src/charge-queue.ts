import type { RulesProvider } from './rules-provider';
import type { Database } from './database';
import { insertDecisionRows, type DecisionLogRow, type DecisionLogWriter } from './decision-log-writer';
import { DecisionDenied } from './errors';
import type { HotReads } from './hot-reads';
import { hashOf, newId } from './ids';
import type { ActionRequest, Caller, Idempotent, OpContext } from './operation';
import { planCharge } from './planner/charges';
import { accountNotFound } from './reads';
import { runBound, runTogether } from './store/bound';
import { loadBooks, type LoadedBook } from './store/load';
import { fromJson } from './store/rows';
import { keyReused, transaction } from './store/transactions';
import { withLoadedBooks } from './store/unit-of-work';
import { chargeView, type ChargeView } from './views';

/** A charge waiting for its batch. */
interface PendingCharge {
  readonly req: ActionRequest;
  readonly key: string;
  readonly hash: string;
  readonly now: Date;
  readonly caller: Caller;
  resolve(v: Idempotent<ChargeView>): void;
  reject(e: unknown): void;
}

type Outcome = { ok: Idempotent<ChargeView> } | { error: unknown };

/** What makes two charge requests the same for an idempotency key. */
export function chargeHash(req: ActionRequest): string {
  return hashOf({ op: 'charge', accountId: req.accountId, action: req.action, params: req.params ?? {}, confirm: req.confirm ?? false });
}

/**
 * Charges, with group commit: charges that arrive while a batch is being written form the next
 * batch, settled in one transaction that locks its accounts (in id order), plans every charge in
 * arrival order on the books the earlier ones left, and writes with a few multi-row statements.
 * A lone charge is a batch of one; if a batch fails for any reason, each of its charges is settled
 * alone instead.
 */
export class ChargeQueue {
  private readonly queue: PendingCharge[] = [];
  private draining = false;

  constructor(
    private readonly db: Database,
    private readonly rules: RulesProvider,
    private readonly reads: HotReads,
    private readonly logs: DecisionLogWriter,
    /** Most charges in one transaction; 0 settles each alone. */
    private readonly batchSize: number,
    /** Called after each batch has committed (the WAL checkpoints follow the charge batches). */
    private readonly afterCommit: () => void = () => undefined,
  ) {}

  /**
   * Decides and, if allowed, debits and counts usage. The same key with the same request returns
   * the first response again; with another request it is refused. A denial changes nothing but the
   * decision log and throws {@link DecisionDenied}.
   */
  charge(req: ActionRequest, key: string, now: Date, caller: Caller): Promise<Idempotent<ChargeView>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ req, key, hash: chargeHash(req), now, caller, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** True while charges are queued or being written. */
  get busy(): boolean {
    return this.draining || this.queue.length > 0;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.settle(this.queue.splice(0, Math.max(1, this.batchSize)));
    } finally {
      this.draining = false;
    }
  }

  private async settle(batch: PendingCharge[]): Promise<void> {
    // Quotes decided before these charges are logged before them, in the batch's transaction.
    const quotes = await this.logs.take();
    try {
      // One charge per idempotency key per batch; a repeat waits for the next batch and replays.
      const leaders = new Map<string, PendingCharge>();
      const repeats: PendingCharge[] = [];
      for (const p of batch) {
        if (leaders.has(p.key)) repeats.push(p);
        else leaders.set(p.key, p);
      }
      const work = [...leaders.values()];
      let outcomes = await this.settleTogether(work, quotes.rows);
      if (outcomes instanceof Error) {
        // Nothing was written: the quotes by the log writer first, then each charge alone.
        await quotes.settle(false);
        const alone = new Map<PendingCharge, Outcome>();
        for (const p of work) {
          const one = await this.settleTogether([p], []);
          alone.set(p, one instanceof Map ? one.get(p)! : { error: one });
        }
        outcomes = alone;
      } else await quotes.settle(true);
      this.afterCommit();
      for (const [p, o] of outcomes) 'ok' in o ? p.resolve(o.ok) : p.reject(o.error);
      this.queue.unshift(...repeats);
    } finally {
      // Settled above unless something threw (then the writer writes them): a second call does nothing.
      await quotes.settle(false);
    }
  }

  /**
   * One transaction for the charges (and the quote log rows decided before them): every charge's
   * outcome, or the error that rolled it back (nothing was written). The stored keys and the books
   * are read together.
   */
  private async settleTogether(work: PendingCharge[], quotes: readonly DecisionLogRow[]): Promise<Map<PendingCharge, Outcome> | Error> {
    const outcomes = new Map<PendingCharge, Outcome>();
    try {
      await transaction(this.db, async (em) => {
        outcomes.clear();
        const knex = em.getKnex();
        type Stored = { key: string; request_hash: string; response: unknown };
        const [stored, books] = await runTogether<[Stored[], Map<string, LoadedBook>]>(em, [
          // Keys stored by an earlier batch or another process.
          () => runBound<Stored[]>(em, knex('idempotency_record').select('key', 'request_hash', 'response').where('scope', 'charge').whereIn('key', work.map((p) => p.key))),
          () => loadBooks(em, this.db.kind, work.map((p) => p.req.accountId), { actions: work.map((p) => p.req.action) }),
        ]);
        const byKey = new Map(stored.map((r) => [r.key, r]));
        const todo: PendingCharge[] = [];
        for (const p of work) {
          const r = byKey.get(p.key);
          if (!r) todo.push(p);
          else if (r.request_hash === p.hash) outcomes.set(p, { ok: { body: fromJson<ChargeView>(r.response), replayed: true } });
          else outcomes.set(p, { error: keyReused(p.key) });
        }
        if (todo.length === 0) {
          await insertDecisionRows(em, quotes);
          return;
        }
        const latest = todo.reduce((t, p) => (p.now.getTime() > t.getTime() ? p.now : t), todo[0].now);
        const batchCtx: OpContext = { compiled: this.rules.active(latest), now: latest, caller: todo[0].caller, newId };
        const bodies: { p: PendingCharge; body: () => ChargeView }[] = [];
        await withLoadedBooks(em, batchCtx, books, (plan, books) => {
          plan.logs.unshift(...quotes);
          for (const p of todo) {
            const book = books.get(p.req.accountId);
            if (!book) {
              outcomes.set(p, { error: accountNotFound(p.req.accountId) });
              continue;
            }
            // Each charge is priced by the version in effect at its own time (a scheduled switch may fall inside a batch).
            const planned = planCharge(plan, book, { ...batchCtx, compiled: this.rules.active(p.now), now: p.now, caller: p.caller }, p.req, p.key);
            if (!planned.allowed) {
              outcomes.set(p, { error: new DecisionDenied(planned.decision, planned.state) });
              continue;
            }
            const c = planned.value;
            const body = (): ChargeView => chargeView({ ...c, entryId: c.entry?.id ?? null }, planned.decision);
            plan.idempotency.push({ scope: 'charge', key: p.key, requestHash: p.hash, status: 201, body, createdAt: p.now });
            bodies.push({ p, body });
          }
        });
        for (const { p, body } of bodies) outcomes.set(p, { ok: { body: body(), replayed: false } });
      });
      return outcomes;
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }
}
