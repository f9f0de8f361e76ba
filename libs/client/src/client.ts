import { randomUUID } from 'node:crypto';
import { LocalRules, type WatchOptions } from './local-rules';
import { asProblem, RatecardError, systemClock, Transport, type Answer, type ClientClock, type RetryOptions } from './transport';
import type { Account, ActionRequest, Capture, ChargeDetail, ChargeResult, Decision, Denied, Granted, Hold, HoldResult, Problem, Refund } from './types';
import { runWithHold, type WithHoldOptions, type WithHoldResult, type Usage } from './with-hold';

/** How to reach the service. */
export interface ClientOptions {
  /** e.g. `https://ratecard.internal:3000` */
  readonly baseUrl: string;
  /** A `service` key (`rck_…`). */
  readonly apiKey: string;
  /** Longest wait for one attempt, in ms (default 10 s). */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Called when the service priced a charge, hold or decision with another rule-set version than the local rules in use (they are refreshed). */
  readonly onStaleRules?: (served: string, local: string) => void;
  /** Another fetch (a proxy agent, instrumentation). */
  readonly fetch?: typeof fetch;
  /** For tests: time without sleeping. */
  readonly clock?: ClientClock;
}

/** Per-call options of operations that change money. */
export interface OperationOptions {
  /**
   * The idempotency key: your operation's own id (a job id, a payment id), so that a retry of the
   * whole operation, even from another process, never charges twice. Generated once per call when
   * absent (retries of that call reuse it).
   */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

const DEFAULT_RETRY: Required<RetryOptions> = { maxElapsedMs: 30_000, baseDelayMs: 200, maxDelayMs: 5_000, maxAttempts: 10 };

/**
 * A typed client of the ratecard service for calling services: no Nest, no database. Charges and
 * holds always carry an idempotency key; timeouts, connection errors, 429 and 5xx are retried with
 * the same key and body (backoff with jitter, `Retry-After` honoured, a bounded total time), so an
 * operation is charged at most once however often it is retried. Denials are results
 * (`allowed: false`); other problems are thrown as {@link RatecardError}.
 *
 * @example
 * const ratecard = new RatecardClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.RATECARD_KEY! });
 * const r = await ratecard.charge({ accountId: 'acme', action: 'image.generate' }, { idempotencyKey: `img:${jobId}` });
 * if (!r.allowed) return showUpgrade(r.reasons, r.alternatives);
 */
export class RatecardClient {
  private readonly transport: Transport;
  private local?: LocalRules;

  constructor(private readonly options: ClientOptions) {
    this.transport = new Transport({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
      retry: { ...DEFAULT_RETRY, ...(options.retry ?? {}) },
      fetch: options.fetch ?? fetch,
      clock: options.clock ?? systemClock,
      userAgent: 'ratecard-client/1',
    });
  }

  /**
   * May the account do this, and what does it cost? Changes nothing but the decision log. A denial
   * is a decision with `allowed: false` (an unknown action or invalid parameters too).
   */
  async decide(request: ActionRequest): Promise<Decision> {
    const answer = await this.transport.send({ method: 'POST', path: '/v1/decisions', body: request });
    const denied = denial(answer);
    const decision = denied ? denied.decision : ok<Decision>(answer, 200);
    this.noticeVersion(decision.rulesetVersion);
    return decision;
  }

  /** Decides and, if allowed, debits the account, exactly once per idempotency key. */
  async charge(request: ActionRequest, options: OperationOptions = {}): Promise<ChargeResult> {
    const answer = await this.transport.send({ method: 'POST', path: '/v1/charges', body: request, idempotencyKey: options.idempotencyKey ?? randomUUID(), ...signal(options) });
    const denied = denial(answer);
    if (denied) return denied;
    const charge = ok<ChargeResult & { allowed: true }>(answer, 201, (body) => ({ allowed: true, charge: body as never, replayed: answer.headers.get('idempotent-replayed') === 'true' }));
    this.noticeVersion(charge.charge.rulesetVersion);
    return charge;
  }

  /** Reserves the quoted cost for a long job (see {@link withHold}), exactly once per idempotency key. */
  async hold(request: ActionRequest & { readonly ttlSeconds?: number }, options: OperationOptions = {}): Promise<HoldResult> {
    const answer = await this.transport.send({ method: 'POST', path: '/v1/holds', body: request, idempotencyKey: options.idempotencyKey ?? randomUUID(), ...signal(options) });
    const denied = denial(answer);
    if (denied) return denied;
    const hold = ok<HoldResult & { allowed: true }>(answer, 201, (body) => ({ allowed: true, hold: body as never, replayed: answer.headers.get('idempotent-replayed') === 'true' }));
    this.noticeVersion(hold.hold.rulesetVersion);
    return hold;
  }

  /**
   * Charges a hold: what the job used (`params`, priced as the hold was), an `amount` in credits, or
   * the whole hold; the rest is released. A retry after a lost answer finds the hold captured and
   * returns that capture.
   */
  async capture(holdId: string, input: { readonly params?: Readonly<Record<string, unknown>>; readonly amount?: number } = {}): Promise<Capture> {
    const path = `/v1/holds/${encodeURIComponent(holdId)}/capture`;
    const answer = await this.transport.send({ method: 'POST', path, body: input });
    const earlier = answer.attempts > 1 ? closedBefore(answer, 'captured') : undefined;
    if (earlier?.chargeId) return { charge: await this.getCharge(earlier.chargeId), hold: await this.getHold(holdId) };
    return ok<Capture>(answer, 201);
  }

  /** Frees a hold's credits and quota. A retry after a lost answer finds it released and returns it. */
  async release(holdId: string): Promise<Hold> {
    const answer = await this.transport.send({ method: 'POST', path: `/v1/holds/${encodeURIComponent(holdId)}/release` });
    if (answer.attempts > 1 && closedBefore(answer, 'released')) return this.getHold(holdId);
    return ok<Hold>(answer, 200);
  }

  /** Refunds all or part of a charge (never more than it cost, across refunds), once per idempotency key. */
  async refund(chargeId: string, input: { readonly amount?: number; readonly reason?: string } = {}, options: OperationOptions = {}): Promise<Refund> {
    const answer = await this.transport.send({ method: 'POST', path: `/v1/charges/${encodeURIComponent(chargeId)}/refund`, body: input, idempotencyKey: options.idempotencyKey ?? randomUUID(), ...signal(options) });
    return ok<Refund>(answer, 201);
  }

  /** Grants a credit pack the customer bought; the key (your payment id) makes it happen once. */
  async buyPack(accountId: string, pack: string, options: OperationOptions & { readonly idempotencyKey: string }): Promise<Granted> {
    const answer = await this.transport.send({ method: 'POST', path: `/v1/accounts/${encodeURIComponent(accountId)}/packs`, body: { pack }, idempotencyKey: options.idempotencyKey, ...signal(options) });
    return ok<Granted>(answer, 201);
  }

  /** The account now: plan, spendable balance, held credits, cycle, usage and quotas left. */
  async account(id: string): Promise<Account> {
    return ok<Account>(await this.transport.send({ method: 'GET', path: `/v1/accounts/${encodeURIComponent(id)}` }), 200);
  }

  /** A charge with its refunds and the grants that paid it. */
  async getCharge(id: string): Promise<ChargeDetail> {
    return ok<ChargeDetail>(await this.transport.send({ method: 'GET', path: `/v1/charges/${encodeURIComponent(id)}` }), 200);
  }

  /** A hold as it stands. */
  async getHold(id: string): Promise<Hold> {
    return ok<Hold>(await this.transport.send({ method: 'GET', path: `/v1/holds/${encodeURIComponent(id)}` }), 200);
  }

  /**
   * Runs a long job under a hold: holds the quoted cost, runs `job`, captures what it used (the
   * params it ended with, `usage.params(...)`, or an amount, `usage.amount(...)`; else the whole
   * hold), and releases the hold if the job throws. A denial returns without running the job. If
   * the process dies in between, the hold expires by itself (`ttlSeconds`) and the credits come back.
   */
  withHold<T>(accountId: string, action: string, params: Readonly<Record<string, unknown>>, job: (hold: Hold, usage: Usage) => Promise<T>, options: WithHoldOptions = {}): Promise<WithHoldResult<T>> {
    return runWithHold(this, { accountId, action, params }, job, options);
  }

  /**
   * The active rule set compiled in-process for local quotes, watched for activations (long-poll,
   * unless `watch: false`). One per client; charges answered under another version refresh it.
   */
  async localRules(options: WatchOptions & { readonly watch?: boolean } = {}): Promise<LocalRules> {
    if (!this.local) {
      this.local = await LocalRules.load(this.transport);
      if (options.watch !== false) this.local.watch(options);
    }
    return this.local;
  }

  /** Stops watching the rules. */
  close(): void {
    this.local?.close();
  }

  private noticeVersion(served: string): void {
    const local = this.local;
    if (!local || served === local.version) return;
    this.options.onStaleRules?.(served, local.version);
    void local.refresh().catch(() => undefined);
  }
}

function signal(options: OperationOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** The body of an expected answer, or the problem thrown. */
function ok<T>(answer: Answer, status: number, map: (body: unknown) => T = (b) => b as T): T {
  if (answer.status !== status) throw new RatecardError(asProblem(answer), answer.attempts);
  return map(answer.body);
}

/** A denied charge or hold: a problem that carries the decision. */
function denial(answer: Answer): Denied | undefined {
  const problem = answer.body as Problem & { decision?: Decision };
  if (answer.status < 400 || !problem || typeof problem !== 'object' || !problem.decision || problem.decision.allowed !== false) return undefined;
  const decision = problem.decision;
  return { allowed: false, decision, reasons: decision.reasons, alternatives: ((decision as { alternatives?: Denied['alternatives'] }).alternatives ?? []) as Denied['alternatives'], problem };
}

/** The hold was already closed this way (`HOLD_NOT_ACTIVE`): what the problem says of it. */
function closedBefore(answer: Answer, how: 'captured' | 'released'): { chargeId?: string } | undefined {
  const p = answer.body as { code?: string; holdStatus?: string; chargeId?: string } | undefined;
  return answer.status === 409 && p?.code === 'HOLD_NOT_ACTIVE' && p.holdStatus === how ? { ...(p.chargeId ? { chargeId: p.chargeId } : {}) } : undefined;
}
