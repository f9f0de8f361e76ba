import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Database } from './database';
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
    const key = secret ?? `rck_${randomBytes(32).toString('base64url')}`;
    if (key.length < 24) throw new LedgerError('KEY_NOT_FOUND', 'a key must be at least 24 characters');
    const em = this.fork();
    const entity = em.create(ApiKey, { id: newId('key'), name, role, secretHash: sha256(key), createdAt: now, revokedAt: null });
    await em.transactional(async (tem) => {
      tem.persist(entity);
      await tem.insert(AuditEvent, { actor: caller.actor, event: 'key.create', target: entity.id, details: { name, role }, createdAt: now });
    });
    return { ...view(entity), key };
  }

  async list(): Promise<KeyView[]> {
    return (await this.fork().find(ApiKey, {}, { orderBy: { createdAt: 'asc', id: 'asc' } })).map(view);
  }

  /** Revokes a key; it stops working at once in this process and within the verify cache's lifetime elsewhere. */
  async revoke(id: string, now: Date, caller: Caller): Promise<KeyView> {
    const em = this.fork();
    return em.transactional(async (tem) => {
      const key = await tem.findOne(ApiKey, { id });
      if (!key) throw new LedgerError('KEY_NOT_FOUND', `key \`${id}\` does not exist`);
      if (!key.revokedAt) {
        key.revokedAt = now;
        await tem.insert(AuditEvent, { actor: caller.actor, event: 'key.revoke', target: id, details: {}, createdAt: now });
      }
      return view(key);
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
