import { createHash } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeys, type KeyIdentity, type Role } from '@ratecard/ledger';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config';
import { CLOCK, CONFIG, type Clock } from '../tokens';
import { problem, ProblemException } from './problem';

const ROLES = 'ratecard:roles';

/** The roles that may call a route. Routes without it are public (health, metrics, docs). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

/** The key that made the request, set by the guard. */
export interface AuthedRequest extends FastifyRequest {
  apiKey?: KeyIdentity;
}

/**
 * Checks `Authorization: Bearer <key>` against the stored hashes and the route's roles: 401 when
 * the key is missing, unknown or revoked, 403 when its role may not call the route, 429 above the
 * per-key rate. Verified keys are remembered for `KEY_CACHE_SECONDS`, by hash, never by secret.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { identity: KeyIdentity | undefined; until: number }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (!roles) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ProblemException(problem('UNAUTHENTICATED', 'send an API key as `Authorization: Bearer <key>`'));
    const identity = await this.identify(match[1]);
    if (!identity) throw new ProblemException(problem('UNAUTHENTICATED', 'the API key is unknown or revoked'));
    request.apiKey = identity;
    if (!roles.includes(identity.role)) {
      throw new ProblemException(problem('FORBIDDEN', `a \`${identity.role}\` key may not call this route; it needs ${roles.map((r) => `\`${r}\``).join(' or ')}`));
    }
    this.limit(identity);
    return true;
  }

  /** Forgets cached identities (after a revocation in this process). */
  forget(): void {
    this.cache.clear();
  }

  private async identify(token: string): Promise<KeyIdentity | undefined> {
    const hash = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.identity;
    const identity = await this.keys.verify(token);
    if (this.config.keyCacheSeconds > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { identity, until: now + this.config.keyCacheSeconds * 1000 });
    }
    return identity;
  }

  /** A token bucket per key: `rateLimitPerKey` requests per second, bursts up to one second's worth. */
  private limit(identity: KeyIdentity): void {
    const rate = this.config.rateLimitPerKey;
    if (rate <= 0) return;
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(identity.id) ?? { tokens: rate, at: now };
    // A clock set back (NTP, a resumed VM) refills nothing, and takes nothing away either.
    bucket.tokens = Math.min(rate, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(identity.id, bucket);
      throw new ProblemException(problem('RATE_LIMITED', `this key may make ${rate} requests per second`, { retryAfterSeconds: 1 }));
    }
    bucket.tokens -= 1;
    this.buckets.set(identity.id, bucket);
  }
}
