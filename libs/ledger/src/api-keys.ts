import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { takeWriteLock, type Database } from './database';
import { ApiKey, AuditEvent, type Role } from './entities';
import { LedgerError } from './errors';
import { newId } from './ids';
import type { Caller } from './ledger';

/** Every role a key may carry. */
export const ROLES: readonly Role[] = ['service', 'admin', 'auditor'];

/** A key as listed: never its secret. */
export interface KeyView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** A key just created: the only time its secret is shown. */
export interface CreatedKey extends KeyView {
  readonly key: string;
}

/** The identity behind a verified key. */
export interface KeyIdentity {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

/**
 * What {@link ApiKeys.ensureAdmin} did at start-up: nothing (an admin key is active), or which admin
 * key it made usable. `configured` says what `RATECARD_ADMIN_KEY` is when it is not that admin key.
 */
export type AdminKeyCheck =
  | { readonly outcome: 'active'; readonly configured?: ConfiguredKeyProblem }
  | { readonly outcome: 'created'; readonly key: CreatedKey; readonly from: 'secret' | 'random'; readonly firstStart: boolean; readonly configured?: ConfiguredKeyProblem }
  | { readonly outcome: 'restored'; readonly key: KeyView };

/**
 * `RATECARD_ADMIN_KEY` grants no admin rights: it is a revoked key, a key of another role, or no key
 * of this database (it only becomes one when no admin key is active).
 */
export type ConfiguredKeyProblem = { readonly problem: 'revoked' | 'not-admin'; readonly key: KeyView } | { readonly problem: 'unknown' };

/** The advisory lock that makes processes starting together check the admin key one at a time. */
const ADMIN_CHECK_LOCK = 72_656_184_331;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * API keys. A key is `rck_` + 43 random characters (256 bits); only its SHA-256 is stored. A
 * presented key is hashed, looked up by the hash, and the hashes compared in constant time.
 */
export class ApiKeys {
  constructor(private readonly db: Database) {}

  private fork(): SqlEntityManager {
    return this.db.orm.em.fork() as SqlEntityManager;
  }

  /** Creates a key; `secret` lets an operator choose it (e.g. `RATECARD_ADMIN_KEY`), at least 24 characters. */
  async create(name: string, role: Role, now: Date, caller: Caller, secret?: string): Promise<CreatedKey> {
    if (!ROLES.includes(role)) throw new LedgerError('KEY_NOT_FOUND', `\`${role}\` is not a role; roles are ${ROLES.map((r) => `\`${r}\``).join(', ')}`);
    if (secret !== undefined && secret.length < 24) throw new LedgerError('KEY_NOT_FOUND', 'a key must be at least 24 characters');
    return this.fork().transactional((tem) => this.insertKey(tem, name, role, now, caller, secret));
  }

  private async insertKey(tem: SqlEntityManager, name: string, role: Role, now: Date, caller: Caller, secret?: string): Promise<CreatedKey> {
    const key = secret ?? `rck_${randomBytes(32).toString('base64url')}`;
    const entity = tem.create(ApiKey, { id: newId('key'), name, role, secretHash: sha256(key), createdAt: now, revokedAt: null });
    tem.persist(entity);
    await tem.insert(AuditEvent, { actor: caller.actor, event: 'key.create', target: entity.id, details: { name, role }, createdAt: now });
    return { ...view(entity), key };
  }

  async list(): Promise<KeyView[]> {
    return (await this.fork().find(ApiKey, {}, { orderBy: { createdAt: 'asc', id: 'asc' } })).map(view);
  }

  /**
   * Revokes a key; it stops working at once in this process and within the verify cache's lifetime
   * elsewhere. The last active admin key is never revoked (LAST_ADMIN_KEY): nobody could manage keys,
   * accounts or rules any more. Create another admin key first.
   */
  async revoke(id: string, now: Date, caller: Caller): Promise<KeyView> {
    const em = this.fork();
    return em.transactional(async (tem) => {
      await takeWriteLock(tem, this.db.kind);
      const key = await tem.findOne(ApiKey, { id });
      if (!key) throw new LedgerError('KEY_NOT_FOUND', `key \`${id}\` does not exist`);
      if (key.revokedAt) return view(key);
      if (key.role === 'admin') {
        // INVARIANT: two revocations of the last two admin keys lock the same rows in the same order
        // (PostgreSQL); the second then reads the first's revocation and refuses. SQLite has one writer.
        const admins = await tem.find(ApiKey, { role: 'admin', revokedAt: null }, { orderBy: { id: 'asc' }, ...(this.db.kind === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}) });
        if (!admins.some((a) => a.id === id)) {
          await tem.refresh(key);
          return view(key);
        }
        if (admins.length === 1) {
          throw new LedgerError('LAST_ADMIN_KEY', `key \`${id}\` is the last active admin key: create another admin key before revoking it`, { key: id });
        }
      }
      key.revokedAt = now;
      await tem.insert(AuditEvent, { actor: caller.actor, event: 'key.revoke', target: id, details: {}, createdAt: now });
      return view(key);
    });
  }

  /**
   * For the service's start-up: makes sure an admin key is active. When one is, nothing changes.
   * Otherwise `secret` (`RATECARD_ADMIN_KEY`) becomes that key: created when no key has it, restored
   * when it is a revoked key (audited as `key.restore`); without a usable secret a new random admin
   * key is created, for the caller to show once. Processes starting together check one at a time.
   */
  async ensureAdmin(now: Date, secret?: string): Promise<AdminKeyCheck> {
    const actor = { actor: 'system' };
    return this.fork().transactional(async (tem) => {
      await takeWriteLock(tem, this.db.kind);
      if (this.db.kind === 'postgresql') await tem.execute('select pg_advisory_xact_lock(?)', [ADMIN_CHECK_LOCK]);
      const configuredKey = secret === undefined ? null : await tem.findOne(ApiKey, { secretHash: sha256(secret) });
      const configured: ConfiguredKeyProblem | undefined =
        secret === undefined
          ? undefined
          : !configuredKey
            ? { problem: 'unknown' }
            : configuredKey.role !== 'admin'
              ? { problem: 'not-admin', key: view(configuredKey) }
              : configuredKey.revokedAt
                ? { problem: 'revoked', key: view(configuredKey) }
                : undefined;
      if ((await tem.count(ApiKey, { role: 'admin', revokedAt: null })) > 0) return { outcome: 'active', ...(configured ? { configured } : {}) };
      if (configuredKey && configuredKey.role === 'admin') {
        configuredKey.revokedAt = null;
        await tem.insert(AuditEvent, { actor: actor.actor, event: 'key.restore', target: configuredKey.id, details: { why: 'no active admin key at start-up; restored from RATECARD_ADMIN_KEY' }, createdAt: now });
        return { outcome: 'restored', key: view(configuredKey) };
      }
      const firstStart = (await tem.count(ApiKey, {})) === 0;
      const usable = secret !== undefined && !configuredKey;
      const key = await this.insertKey(tem, firstStart ? 'first admin' : 'recovered admin', 'admin', now, actor, usable ? secret : undefined);
      return { outcome: 'created', key, from: usable ? 'secret' : 'random', firstStart, ...(configured && !usable ? { configured } : {}) };
    });
  }

  /** The identity of a presented key, or undefined when it is unknown or revoked. */
  async verify(presented: string): Promise<KeyIdentity | undefined> {
    const hash = sha256(presented);
    const key = await this.fork().findOne(ApiKey, { secretHash: hash });
    if (!key || key.revokedAt) return undefined;
    // The lookup is by hash; comparing in constant time keeps timing independent of the stored value.
    if (!timingSafeEqual(Buffer.from(key.secretHash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    return { id: key.id, name: key.name, role: key.role };
  }

  /** How many keys are not revoked. */
  async activeCount(): Promise<number> {
    return this.fork().count(ApiKey, { revokedAt: null });
  }
}

function view(k: ApiKey): KeyView {
  return { id: k.id, name: k.name, role: k.role, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt ? k.revokedAt.toISOString() : null };
}
