import type { FastifyInstance } from 'fastify';
import { problem, ProblemException } from './problem';

/** A NUL character, or half of a surrogate pair without its other half. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when a string, a key or a value anywhere in `value` is text PostgreSQL cannot store: a NUL
 * character (not allowed in text), or a lone surrogate (`"\ud800"` in JSON, which jsonb refuses).
 */
export function containsUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (typeof value !== 'object' || value === null) return false;
  // INVARIANT: bodies nest at most MAX_JSON_DEPTH levels (json-body.ts), so this recursion is shallow.
  if (Array.isArray(value)) return value.some(containsUnstorableText);
  return Object.entries(value).some(([k, v]) => UNSTORABLE.test(k) || containsUnstorableText(v));
}

/** The problem for such text in a request. */
export function unstorableTextProblem(where: string): ProblemException {
  return new ProblemException(problem('INVALID_REQUEST', `${where} must be Unicode text without NUL characters (\`\\u0000\`) or lone surrogates (\`\\ud800\`)`));
}

/**
 * Refuses a NUL character in the URL (a path parameter or query value of `%00`). PostgreSQL cannot
 * store NUL in text and fails the query, so an id of `%00` was a 500 there (and a 404 on SQLite).
 * A percent-encoded lone surrogate does not decode at all (400 from the router). Bodies are
 * checked after parsing (json-body.ts).
 */
export function useTextGuard(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    if (request.url.includes('%00')) throw unstorableTextProblem('the URL');
  });
}
