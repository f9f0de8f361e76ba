/**
 * @ratecard/client: a typed client of the ratecard service for calling services (no Nest, no
 * database): decisions, charges and holds with safe retries, `withHold` for long jobs, local quotes
 * priced in-process with ratecard's engine, and webhook signature verification.
 *
 * @example
 * import { RatecardClient } from '@ratecard/client';
 * const ratecard = new RatecardClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.RATECARD_KEY! });
 * const r = await ratecard.charge({ accountId: 'acme', action: 'video.generate', params: { seconds: 8 } });
 * console.log(r.allowed ? `charged ${r.charge.cost} cr` : r.reasons.map((x) => x.message).join('; '));
 */
export * from './client';
export * from './events';
export { LocalRules, RulesMismatchError, type LocalQuote, type WatchOptions } from './local-rules';
export * from './signature';
export { backoffMs, RatecardError, RatecardUnavailableError, retryAfterMs, type ClientClock, type RetryOptions } from './transport';
export * from './types';
export type { Usage, WithHoldOptions, WithHoldResult } from './with-hold';
