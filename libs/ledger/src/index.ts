/**
 * @ratecard/ledger: account state and the append-only credit ledger on MikroORM (SQLite or
 * PostgreSQL), the operations that apply decisions to it, API keys and rule-set versions.
 *
 * @example
 * const db = await openDatabase(parseDatabaseUrl('sqlite:data/ratecard.db', process.cwd()) as DatabaseTarget);
 * await db.migrate();
 * const ledger = new Ledger(db, new StaticRules(compiled));
 */
export * from './activation-guard';
export * from './api-keys';
export * from './audit';
export * from './database';
export * from './drafts';
export { DecisionLogWriter, type DecisionLogRow } from './decision-log-writer';
export * from './entities';
export * from './errors';
export { hashOf, newId } from './ids';
export * from './ledger';
export * from './plan-mapping';
export * from './rule-versions';
export * from './rules-provider';
export * from './verify';
export * from './version-cases';
export { resolveVersion, VERSION_NAME, VERSION_NAME_HELP } from './version-names';
export * from './views';
export * from './webhooks/deliveries';
export * from './webhooks/url-guard';
export * from './webhooks/webhooks';
