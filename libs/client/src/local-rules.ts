import { compileSources, decide, type CompiledRuleSet } from '@ratecard/engine';
import { RatecardError, type Transport } from './transport';
import type { Decision, RuleBundle } from './types';

/** What a local quote needs to know: the plan, and what is known of the account. */
export interface LocalQuote {
  readonly plan: string;
  readonly action: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly confirm?: boolean;
  /** Spendable millicredits; absent, the balance is not checked (showing a price). */
  readonly balanceMillicredits?: number;
  /** This cycle's uses per action, for quotas and included usage; absent, none. */
  readonly usage?: Readonly<Record<string, number>>;
  /** The account's next billing date (for `QUOTA_EXCEEDED`'s alternatives). */
  readonly cycleEnd?: Date;
  /** When the request is priced (default now): promotions have windows. */
  readonly at?: Date;
}

/** How the rules are kept fresh. */
export interface WatchOptions {
  /** Long-poll the service for the next activation (default), or poll every `intervalMs`. */
  readonly mode?: 'long-poll' | 'poll';
  /** The poll interval, or the pause after a failed long-poll, in ms (default 30 s, 5 s). */
  readonly intervalMs?: number;
  /** How long each long-poll waits, in seconds (default 25, at most 30). */
  readonly waitSeconds?: number;
  /** Called after the rules changed to another version. */
  readonly onChange?: (version: string, previous: string) => void;
  /** Called when a refresh failed (the old rules stay in use). */
  readonly onError?: (error: unknown) => void;
}

/** The rules' version did not compile to itself here: this client's engine prices differently from the service's. */
export class RulesMismatchError extends Error {
  constructor(
    readonly served: string,
    readonly compiled: string | undefined,
  ) {
    super(`the service's rules are version ${served.slice(0, 12)} but compile to ${compiled ? compiled.slice(0, 12) : 'nothing'} with this client's engine: upgrade @ratecard/client`);
    this.name = 'RulesMismatchError';
  }
}

/**
 * The active rule set, compiled in-process with ratecard's engine, for prices without a round trip
 * (a price in a UI, a pre-check before a job). The service stays authoritative: charges and holds
 * are decided there, and a charge answered under another version refreshes these rules. Loaded with
 * `client.localRules()`.
 *
 * @example
 * const rules = await client.localRules();
 * rules.quote({ plan: 'pro', action: 'video.generate', params: { seconds: 8 } }).cost; // 256, in-process
 */
export class LocalRules {
  private compiled: CompiledRuleSet;
  private timer?: NodeJS.Timeout;
  private loop?: AbortController;
  private refreshing?: Promise<boolean>;

  private constructor(
    private readonly transport: Transport,
    compiled: CompiledRuleSet,
  ) {
    this.compiled = compiled;
  }

  /** Fetches and compiles the service's active rules. */
  static async load(transport: Transport): Promise<LocalRules> {
    const answer = await transport.send({ method: 'GET', path: '/v1/rulesets/active/bundle' });
    if (answer.status !== 200) throw new RatecardError(answer.body as never, answer.attempts);
    return new LocalRules(transport, await compileBundle(answer.body as RuleBundle));
  }

  /** The version in use: the content hash of the rules. */
  get version(): string {
    return this.compiled.version;
  }

  /** Prices a request in-process, as the service would for an account in that state. */
  quote(q: LocalQuote): Decision {
    // Two small objects and the engine's lookup: no spreads on this path, it runs per price shown.
    return decide(
      this.compiled,
      { plan: q.plan, balanceMc: q.balanceMillicredits ?? Number.MAX_SAFE_INTEGER, usage: q.usage ?? NO_USAGE, cycleEnd: q.cycleEnd },
      { action: q.action, params: q.params ?? NO_PARAMS, confirm: q.confirm ?? false },
      q.at ?? new Date(),
    ) as Decision;
  }

  /**
   * Asks the service whether another version is active (a 304 when not) and switches to it.
   * Returns true when the rules changed. Concurrent calls share one request.
   */
  refresh(options: { waitSeconds?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.fetchNext(options).finally(() => (this.refreshing = undefined));
    }
    return this.refreshing;
  }

  /** Keeps the rules fresh in the background until {@link close}. */
  watch(options: WatchOptions = {}): this {
    this.close();
    const controller = new AbortController();
    this.loop = controller;
    const pause = options.intervalMs ?? (options.mode === 'poll' ? 30_000 : 5_000);
    const step = async (): Promise<void> => {
      if (controller.signal.aborted) return;
      const before = this.version;
      let failed = false;
      try {
        if (await this.refresh(options.mode === 'poll' ? { signal: controller.signal } : { waitSeconds: Math.min(30, options.waitSeconds ?? 25), signal: controller.signal })) options.onChange?.(this.version, before);
      } catch (e) {
        failed = true;
        if (!controller.signal.aborted) options.onError?.(e);
      }
      if (controller.signal.aborted) return;
      this.timer = setTimeout(() => void step(), options.mode === 'poll' || failed ? pause : 0);
      this.timer.unref();
    };
    void step();
    return this;
  }

  /** Stops watching. */
  close(): void {
    this.loop?.abort();
    this.loop = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  private async fetchNext(options: { waitSeconds?: number; signal?: AbortSignal }): Promise<boolean> {
    const wait = options.waitSeconds ? `?wait=${options.waitSeconds}` : '';
    const answer = await this.transport.send({
      method: 'GET',
      path: `/v1/rulesets/active/bundle${wait}`,
      headers: { 'if-none-match': `"${this.version}"` },
      ...(options.waitSeconds ? { timeoutMs: (options.waitSeconds + 10) * 1000 } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (answer.status === 304) return false;
    if (answer.status !== 200) throw new RatecardError(answer.body as never, answer.attempts);
    const next = await compileBundle(answer.body as RuleBundle);
    if (next.version === this.version) return false;
    this.compiled = next;
    return true;
  }
}

const NO_USAGE: Readonly<Record<string, number>> = Object.freeze({});
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Compiles a bundle and checks it is the version the service says it is. */
async function compileBundle(bundle: RuleBundle): Promise<CompiledRuleSet> {
  const { compiled } = await compileSources(bundle.files);
  if (!compiled || compiled.version !== bundle.version) throw new RulesMismatchError(bundle.version, compiled?.version);
  return compiled;
}
