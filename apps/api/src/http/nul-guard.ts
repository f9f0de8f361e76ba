import type { FastifyInstance } from 'fastify';
import { problem, ProblemException } from './problem';

/** True when a string, a key or a value anywhere in `value` contains a NUL character. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null) return false;
  // INVARIANT: bodies nest at most MAX_JSON_DEPTH levels (json-body.ts), so this recursion is shallow.
  if (Array.isArray(value)) return value.some(containsNul);
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
}

/** The problem for a NUL character in a request. */
export function nulProblem(where: string): ProblemException {
  return new ProblemException(problem(400, 'INVALID_REQUEST', `${where} may not contain NUL characters (\`\\u0000\`)`));
}

/**
 * Refuses a NUL character in the URL (a path parameter or query value of `%00`). PostgreSQL cannot
 * store NUL in text and fails the query, so an id of `%00` was a 500 there (and a 404 on SQLite).
 * Bodies are checked after parsing (json-body.ts).
 */
export function useNulGuard(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    if (request.url.includes('%00')) throw nulProblem('the URL');
  });
}
