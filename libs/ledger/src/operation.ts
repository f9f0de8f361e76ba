import type { CompiledRuleSet } from '@ratecard/engine';
import type { Database } from './database';
import type { DecisionLogWriter } from './decision-log-writer';
import type { HotReads } from './hot-reads';
import type { RulesProvider } from './rules-provider';

/** Who asked: the API key (or `cli:<user>`), recorded in logs and audit events. */
export interface Caller {
  readonly actor: string;
  readonly apiKeyId?: string;
}

/** What a service asks about or charges. */
export interface ActionRequest {
  readonly accountId: string;
  readonly action: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly confirm?: boolean;
}

/** The result of an idempotent operation: the body, and whether it is a replay of an earlier one. */
export interface Idempotent<T> {
  readonly body: T;
  readonly replayed: boolean;
}

/**
 * What every planning step is given instead of reaching for it: the rules the operation runs
 * under (read once, at its start), the time, who asked, and how new ids are made (random in the
 * ledger, counted in specs).
 */
export interface OpContext {
  readonly compiled: CompiledRuleSet;
  readonly now: Date;
  readonly caller: Caller;
  readonly newId: (prefix: string) => string;
}

/** What the ledger's operations work with. */
export interface LedgerDeps {
  readonly db: Database;
  readonly rules: RulesProvider;
  readonly reads: HotReads;
  readonly logs: DecisionLogWriter;
}
