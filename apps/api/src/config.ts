import { resolve } from 'node:path';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redact, type DatabaseTarget } from '@ratecard/ledger';

/** The service's configuration, validated once at start (immich's `EnvDto`, ghostfolio's `cleanEnv`). */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseTarget;
  /** The database URL with any password hidden, for logs. */
  readonly databaseLabel: string;
  readonly dbPoolSize: number;
  /** The rules published and activated when the database has no active version yet. */
  readonly rulesDir: string;
  /** How often each process checks which rule-set version is active. */
  readonly rulesPollMs: number;
  /** An admin key to create on first start instead of a random one. */
  readonly adminKey?: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimitBytes: number;
  readonly holdTtlSeconds: number;
  readonly maxHoldTtlSeconds: number;
  /** Seconds a verified API key is remembered; revocation reaches other processes within it. */
  readonly keyCacheSeconds: number;
  /** Requests per second per API key (0: unlimited). */
  readonly rateLimitPerKey: number;
  /** Longest time a client may take to send a whole request, in milliseconds (then 408). */
  readonly requestTimeoutMs: number;
  /** The built Studio (served at /studio). */
  readonly studioDir: string;
  /** Apply pending migrations at start. */
  readonly migrate: boolean;
  /** Most charges settled in one transaction (group commit); 0 settles each alone. */
  readonly chargeBatch: number;
  /** Webhooks may be on loopback, private, link-local and unique-local addresses (local development, tests). */
  readonly webhookAllowPrivateUrls: boolean;
  /** How often each process looks for webhook deliveries that are due, in milliseconds; 0 turns the dispatcher off. */
  readonly webhookDispatchMs: number;
  /** Longest wait for a webhook's answer, in milliseconds. */
  readonly webhookTimeoutMs: number;
  /** How long a claimed delivery is reserved for the process sending it, in seconds (then another may send it again). */
  readonly webhookLeaseSeconds: number;
  /** The first retry's delay, in milliseconds; each later one doubles it (with jitter), up to an hour, for 24 hours. */
  readonly webhookRetryBaseMs: number;
  /** How often each process sweeps accounts nobody touches (expired holds and grants, ended cycles, expiring grants), in milliseconds; 0 turns it off. */
  readonly sweepIntervalMs: number;
  /** `grant.expiring` is sent this many days before a grant expires; 0 sends none. */
  readonly grantExpiringDays: number;
}

/** A configuration problem: the variable and what is wrong with it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads and validates the environment. Returns every problem at once. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, cwd: string): { config?: AppConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push({ variable: name, message: `must be a whole number from ${min} to ${max}, got \`${raw}\`` });
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push({ variable: name, message: `must be true or false, got \`${raw}\`` });
    return fallback;
  };
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const parsed = parseDatabaseUrl(url, cwd);
  if ('error' in parsed) problems.push({ variable: 'DATABASE_URL', message: parsed.error });
  const logLevel = (env.LOG_LEVEL || 'info') as AppConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push({ variable: 'LOG_LEVEL', message: `must be one of ${LOG_LEVELS.join(', ')}, got \`${env.LOG_LEVEL}\`` });
  const adminKey = env.RATECARD_ADMIN_KEY || undefined;
  if (adminKey !== undefined && adminKey.length < 24) problems.push({ variable: 'RATECARD_ADMIN_KEY', message: 'must be at least 24 characters' });
  const config: AppConfig = {
    port: int('PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    database: 'error' in parsed ? { kind: 'sqlite', file: ':memory:' } : parsed,
    databaseLabel: redact(url),
    dbPoolSize: int('DB_POOL_SIZE', 10, 1, 200),
    rulesDir: env.RULES_DIR || 'rules',
    rulesPollMs: int('RULES_POLL_MS', 2000, 100, 3_600_000),
    ...(adminKey ? { adminKey } : {}),
    logLevel,
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    holdTtlSeconds: int('HOLD_TTL_SECONDS', 900, 1, 7 * 86_400),
    maxHoldTtlSeconds: int('MAX_HOLD_TTL_SECONDS', 86_400, 1, 30 * 86_400),
    keyCacheSeconds: int('KEY_CACHE_SECONDS', 5, 0, 3600),
    rateLimitPerKey: int('RATE_LIMIT_PER_KEY', 0, 0, 1_000_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
    studioDir: resolve(cwd, env.STUDIO_DIR || 'dist/studio'),
    migrate: bool('MIGRATE_ON_START', true),
    chargeBatch: int('CHARGE_BATCH', 128, 0, 10_000),
    webhookAllowPrivateUrls: bool('WEBHOOK_ALLOW_PRIVATE_URLS', false),
    webhookDispatchMs: int('WEBHOOK_DISPATCH_MS', 1000, 0, 3_600_000),
    webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    webhookLeaseSeconds: int('WEBHOOK_LEASE_SECONDS', 60, 1, 3600),
    webhookRetryBaseMs: int('WEBHOOK_RETRY_BASE_MS', 10_000, 10, 3_600_000),
    sweepIntervalMs: int('SWEEP_INTERVAL_MS', 60_000, 0, 86_400_000),
    grantExpiringDays: int('GRANT_EXPIRING_DAYS', 7, 0, 365),
  };
  if (config.webhookLeaseSeconds * 1000 <= config.webhookTimeoutMs) {
    problems.push({ variable: 'WEBHOOK_LEASE_SECONDS', message: `must be longer than WEBHOOK_TIMEOUT_MS (${config.webhookTimeoutMs} ms), or a slow delivery could be sent twice at once` });
  }
  return problems.length ? { problems } : { config, problems };
}
