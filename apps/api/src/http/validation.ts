import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { fastAccepts } from './fast-accept';
import { problem, ProblemException } from './problem';

type FieldError = { field: string; message: string };

/**
 * Key names the framework drops without a word: Nest's ValidationPipe deletes `__proto__`,
 * `constructor` and `prototype` keys at every depth, and class-transformer skips every key whose
 * name is a method of `Object.prototype` (`toString`, `hasOwnProperty`, `valueOf`...). A body that
 * differed only there hashed the same, so it replayed another body's idempotency key.
 */
const DROPPED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

const FREE_FORM = Symbol('ratecard:free-form');

/**
 * Marks a DTO field as a free-form JSON object (an action's `params`): the validation pipe hands it
 * to the handler exactly as the client sent it, every key kept, and the domain judges its keys
 * (an unknown parameter is a 422 INVALID_PARAMS from the engine).
 */
export function FreeFormObject(): PropertyDecorator {
  return (target, property) => {
    const ctor = target.constructor;
    const own: string[] = Reflect.getOwnMetadata(FREE_FORM, ctor) ?? [...((Reflect.getMetadata(FREE_FORM, ctor) as string[] | undefined) ?? [])];
    Reflect.defineMetadata(FREE_FORM, [...own, String(property)], ctor);
  };
}

function freeFormFields(metatype: unknown): readonly string[] {
  return typeof metatype === 'function' ? ((Reflect.getMetadata(FREE_FORM, metatype) as string[] | undefined) ?? []) : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Where `value` has a key the framework would drop, outside free-form fields: `files.0.constructor`. */
function droppedKeys(value: unknown, skip: readonly string[], prefix = ''): FieldError[] {
  if (!isObject(value)) return [];
  // INVARIANT: bodies nest at most MAX_JSON_DEPTH levels (json-body.ts), so this recursion is shallow.
  return Object.keys(value).flatMap((key) => {
    const field = `${prefix}${key}`;
    if (DROPPED_NAMES.has(key)) return [{ field, message: `unknown field \`${key}\`` }];
    if (skip.includes(key)) return [];
    return droppedKeys(value[key], [], `${field}.`);
  });
}

/** Flattens class-validator's tree into `{ field, message }` pairs. */
export function fieldErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message: message.replace(/^property (\S+) should not exist$/, 'unknown field `$1`') }));
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

function invalid(list: readonly FieldError[]): ProblemException {
  return new ProblemException(problem('INVALID_REQUEST', list.map((e) => `${e.field}: ${e.message}`).join('; ') || 'the request is invalid', { errors: list }));
}

/**
 * Nest's ValidationPipe (whitelist, unknown fields refused, DTOs built) with no key lost on the way:
 * a key the framework would drop is an unknown field (400) like any other, and a
 * {@link FreeFormObject} field reaches the handler with all its keys.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: (errors) => invalid(fieldErrors(errors)) });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (!isObject(value) || Array.isArray(value) || (metadata.type !== 'body' && metadata.type !== 'query')) return super.transform(value, metadata);
    // A plainly valid body of a hot route, as sent (its schema admits no key the framework would drop).
    if (metadata.type === 'body' && fastAccepts(metadata.metatype, value)) return value;
    const free = freeFormFields(metadata.metatype);
    const dropped = droppedKeys(value, free);
    // The pipe deletes keys in place: keep the free-form fields as sent.
    const kept = free.filter((f) => isObject(value[f])).map((f) => [f, structuredClone(value[f])] as const);
    let result: unknown;
    try {
      result = await super.transform(value, metadata);
    } catch (e) {
      if (e instanceof ProblemException && dropped.length) throw invalid([...dropped, ...((e.problem.errors as FieldError[] | undefined) ?? [])]);
      throw e;
    }
    if (dropped.length) throw invalid(dropped);
    if (isObject(result)) for (const [field, original] of kept) result[field] = original;
    return result;
  }
}
