import type { FastifyInstance } from 'fastify';
import { containsUnstorableText, unstorableTextProblem } from './text-guard';
import { problem, ProblemException } from './problem';

/** How deep objects and arrays may nest in a request body. Our bodies nest three levels at most. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `text` nests objects and arrays deeper than `limit`: one pass over the text, brackets
 * inside strings not counted. Valid or not, a body this deep is refused before it is parsed.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Replaces Fastify's JSON body parser with the same parser behind a nesting limit. The framework
 * walks a body recursively (class-transformer, then hashing and cloning in the ledger), so a body
 * of 30,000 nested arrays, well under the size limit, overflowed the stack: a 500. Now it is a 400.
 * Text PostgreSQL cannot store (a NUL character, a lone surrogate) is refused too: a 500 there.
 */
export function useJsonBodyParser(fastify: FastifyInstance): void {
  // JSON.parse as is: a `__proto__` key is an own property like any other, never the prototype.
  // Fastify's default refused such a body as invalid JSON; now the validation pipe reports it as an
  // unknown field, and the engine as an unknown parameter inside `params` (validation.ts).
  const parse = fastify.getDefaultJsonParser('ignore', 'ignore');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = raw as string;
    if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      done(new ProblemException(problem('INVALID_REQUEST', `the body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`)), undefined);
      return;
    }
    parse(request, body, (error, value) => {
      if (!error && containsUnstorableText(value)) done(unstorableTextProblem('the body'), undefined);
      else done(error, value);
    });
  });
}
