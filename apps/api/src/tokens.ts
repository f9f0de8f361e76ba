/** Injection tokens for values that are not classes. */
export const CONFIG = Symbol('CONFIG');
export const CLOCK = Symbol('CLOCK');
export const DATABASE = Symbol('DATABASE');

/** The clock: the only source of time in the service, so tests can freeze it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
