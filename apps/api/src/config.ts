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
  };
  return problems.length ? { problems } : { config, problems };
}
