import { Injectable } from '@nestjs/common';
import { decidingReason, type Decision } from '@ratecard/engine';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The `action` label of a request for an action the rules do not have. `/metrics` is public: one
 * series per name a caller sent grew without bound and showed those names to anyone. Action ids
 * start with a letter, so this never names a real action.
 */
export const UNKNOWN_ACTION_LABEL = '(unknown)';

/** Prometheus metrics: decisions and charges by action and outcome, latencies, process. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly decisions = new Counter({
    name: 'ratecard_decisions_total',
    help: 'Decisions made, by kind (quote, charge, hold, capture), action and outcome (allowed, or the reason code that decided the answer).',
    labelNames: ['kind', 'action', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly credits = new Counter({
    name: 'ratecard_charged_credits_total',
    help: 'Credits charged, by action.',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly http = new Histogram({
    name: 'ratecard_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ratecard_' });
  }

  /**
   * Counts a decision. Its action is a label only when the rules know it (the decision was priced
   * against it); every unknown action shares {@link UNKNOWN_ACTION_LABEL}.
   */
  decision(kind: 'quote' | 'charge' | 'hold' | 'capture', action: string, decision: Decision | undefined, outcome?: string): void {
    const result = outcome ?? (decision?.allowed ? 'allowed' : (decision ? decidingReason(decision)?.code : undefined) ?? 'error');
    const known = decision !== undefined && !decision.reasons.some((r) => r.code === 'UNKNOWN_ACTION');
    this.decisions.inc({ kind, action: known ? action : UNKNOWN_ACTION_LABEL, outcome: result });
  }

  /** Counts credits a charge or capture actually moved (never a replay): only known actions move credits. */
  charged(action: string, credits: number): void {
    this.credits.inc({ action }, credits);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
