import type { Problem } from './types';

/** How the client retries. Every field has a default. */
export interface RetryOptions {
  /** Longest total time for one call, retries and waits included, in ms (default 30 s). */
  readonly maxElapsedMs?: number;
  /** The first retry's delay ceiling, in ms (default 200); it doubles each time. */
  readonly baseDelayMs?: number;
  /** The largest delay between two attempts, in ms (default 5 s). */
  readonly maxDelayMs?: number;
  /** Most attempts per call (default 10); 1 turns retries off. */
  readonly maxAttempts?: number;
}

/** Time as the client sees it: real by default; tests pass their own so they never sleep. */
export interface ClientClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: ClientClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** An answer: the status, the headers, the parsed body, and how many attempts it took. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly attempts: number;
}

/** The service answered with a problem document that is not a denial. */
export class RatecardError extends Error {
  constructor(
    readonly problem: Problem,
    /** Attempts made (more than 1 when earlier ones failed and were retried). */
    readonly attempts = 1,
  ) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = 'RatecardError';
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): Problem['code'] {
    return this.problem.code;
  }
}

/** No answer: the service could not be reached (or kept failing) within the retry budget. */
export class RatecardUnavailableError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    /** The last failure: a network error, a timeout, or the last 429/5xx as a {@link RatecardError}. */
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'RatecardUnavailableError';
  }
}

/** Statuses worth another attempt with the same request: throttling and the service's own failures. */
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/** The delay a `Retry-After` header asks for (seconds, or an HTTP date), in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full jitter: a random delay up to `min(max, base × 2^(attempt-1))`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30)));
}

export interface TransportOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  readonly retry: Required<RetryOptions>;
  readonly fetch: typeof fetch;
  readonly clock: ClientClock;
  readonly userAgent: string;
}

/** One logical call: the same method, path, body and idempotency key on every attempt. */
export interface Call {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Longer than the usual timeout (a long-poll). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Sends calls with retries: a timeout, a connection error, a 429 (waiting what `Retry-After` asks)
 * or a 5xx is tried again with the same body and idempotency key, after a backoff with jitter,
 * until the call's time budget runs out. Any other answer is returned as it is.
 */
export class Transport {
  constructor(readonly options: TransportOptions) {}

  async send(call: Call): Promise<Answer> {
    const { retry, clock } = this.options;
    const started = clock.now();
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      let wait: number | undefined;
      try {
        const answer = await this.once(call, payload, attempt);
        if (!RETRY_STATUS.has(answer.status)) return answer;
        failure = new RatecardError(asProblem(answer), attempt);
        wait = retryAfterMs(answer.headers.get('retry-after'), clock.now());
      } catch (e) {
        if (call.signal?.aborted) throw e;
        failure = e;
      }
      const delay = wait ?? backoffMs(attempt, retry.baseDelayMs, retry.maxDelayMs);
      if (attempt >= retry.maxAttempts || clock.now() + delay - started > retry.maxElapsedMs) {
        throw new RatecardUnavailableError(`${call.method} ${call.path} failed after ${attempt} attempt(s): ${describe(failure)}`, attempt, failure);
      }
      await clock.sleep(delay);
    }
  }

  private async once(call: Call, payload: string | undefined, attempt: number): Promise<Answer> {
    const { baseUrl, apiKey, timeoutMs, userAgent } = this.options;
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: 'application/json', 'user-agent': userAgent, ...(call.headers ?? {}) };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
    const timeout = AbortSignal.timeout(call.timeoutMs ?? timeoutMs);
    const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
    const res = await this.options.fetch(`${baseUrl.replace(/\/+$/, '')}${call.path}`, { method: call.method, headers, ...(payload !== undefined ? { body: payload } : {}), signal });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    let body: unknown = text;
    if (/json/.test(type) && text !== '') body = JSON.parse(text);
    return { status: res.status, headers: res.headers, body, attempts: attempt };
  }
}

/** The answer's problem document, or one made up for an answer that is not one (a proxy's 502 page). */
export function asProblem(answer: Answer): Problem {
  const b = answer.body as Partial<Problem> | undefined;
  if (b && typeof b === 'object' && typeof b.code === 'string' && typeof b.status === 'number') return b as Problem;
  return { type: 'about:blank', title: `HTTP ${answer.status}`, status: answer.status, code: `HTTP_${answer.status}`, detail: typeof answer.body === 'string' ? answer.body.slice(0, 200) : `HTTP ${answer.status}` };
}

function describe(e: unknown): string {
  if (e instanceof RatecardError) return e.message;
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
