import type { SqlEntityManager } from '@mikro-orm/knex';
import { hasErrors, type Diagnostic, type SourceFile } from '@ratecard/dsl';
import { compileSources, type CompiledRuleSet } from '@ratecard/engine';
import { takeWriteLock, type Database } from './database';
import { AuditEvent, RulesetActivation, RulesetVersion } from './entities';
import { LedgerError } from './errors';
import type { Caller } from './ledger';

/** A published version as listed. */
export interface VersionView {
  readonly version: string;
  readonly author: string;
  readonly message: string;
  readonly parentVersion: string | null;
  readonly createdAt: string;
  readonly active: boolean;
  readonly files: readonly string[];
}

/** An activation: which version became active, when, by whom and why. */
export interface ActivationView {
  readonly version: string;
  readonly activatedBy: string;
  readonly reason: string;
  readonly at: string;
}

/** The outcome of publishing. */
export interface PublishResult {
  readonly version: string;
  /** False when the same content was already published (the version is its content hash). */
  readonly created: boolean;
  readonly activated: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly compiled: CompiledRuleSet;
}

/**
 * Rule-set versions: published immutably under their content hash, with the files as written.
 * Exactly one is active: the latest row of the append-only activation log, so activating and
 * rolling back are one insert each, atomic on both databases.
 */
export class RuleVersions {
  constructor(private readonly db: Database) {}

  private fork(): SqlEntityManager {
    return this.db.orm.em.fork() as SqlEntityManager;
  }

  /** A write transaction, holding SQLite's write lock from the start (see {@link takeWriteLock}). */
  private write<T>(fn: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    return this.fork().transactional(async (em) => {
      await takeWriteLock(em, this.db.kind);
      return fn(em);
    });
  }

  /**
   * Validates and compiles `files`, then stores them as a version. A rule set with any error never
   * becomes a version: the error carries every diagnostic.
   */
  async publish(files: readonly SourceFile[], author: string, message: string, now: Date, options: { activate?: boolean; caller?: Caller } = {}): Promise<PublishResult> {
    const { compiled, diagnostics } = await compileSources(files);
    if (!compiled || hasErrors(diagnostics)) {
      throw new LedgerError('INVALID_RULES', `the rule set has ${diagnostics.filter((d) => d.severity === 'error').length} error(s) and was not published`, { diagnostics });
    }
    const actor = options.caller?.actor ?? author;
    const result = await this.write(async (em) => {
      const existing = await em.findOne(RulesetVersion, { version: compiled.version });
      const parent = await latestActivation(em);
      if (!existing) {
        await em.insert(RulesetVersion, {
          version: compiled.version,
          files: files.map((f) => ({ path: f.path, text: f.text })),
          author,
          message,
          parentVersion: parent?.version ?? null,
          createdAt: now,
        });
        await em.insert(AuditEvent, { actor, event: 'ruleset.publish', target: compiled.version, details: { message, author, files: files.map((f) => f.path) }, createdAt: now });
      }
      let activated = false;
      if (options.activate && parent?.version !== compiled.version) {
        await em.insert(RulesetActivation, { version: compiled.version, activatedBy: actor, reason: 'publish', createdAt: now });
        await em.insert(AuditEvent, { actor, event: 'ruleset.activate', target: compiled.version, details: { reason: 'publish', previous: parent?.version ?? null }, createdAt: now });
        activated = true;
      }
      return { created: !existing, activated };
    });
    return { version: compiled.version, ...result, diagnostics, compiled };
  }

  async list(): Promise<VersionView[]> {
    const em = this.fork();
    const active = (await latestActivation(em))?.version;
    const rows = await em.find(RulesetVersion, {}, { orderBy: { createdAt: 'desc', version: 'asc' } });
    return rows.map((r) => view(r, active));
  }

  /** A version by id or unique prefix (at least 6 characters), with its files. */
  async get(idOrPrefix: string): Promise<VersionView & { readonly sources: readonly SourceFile[] }> {
    const em = this.fork();
    const version = await this.resolve(em, idOrPrefix);
    const row = await em.findOneOrFail(RulesetVersion, { version });
    return { ...view(row, (await latestActivation(em))?.version), sources: row.files };
  }

  /** Resolves a version id or unique prefix. */
  async resolve(em: SqlEntityManager, idOrPrefix: string): Promise<string> {
    if (!/^[0-9a-f]{6,64}$/.test(idOrPrefix)) throw new LedgerError('VERSION_NOT_FOUND', `\`${idOrPrefix}\` is not a version id (6 to 64 hex characters)`);
    const rows = await em.find(RulesetVersion, { version: { $like: `${idOrPrefix}%` } }, { fields: ['version'], limit: 2 });
    if (rows.length === 0) throw new LedgerError('VERSION_NOT_FOUND', `no version \`${idOrPrefix}\``);
    if (rows.length > 1) throw new LedgerError('VERSION_NOT_FOUND', `\`${idOrPrefix}\` matches more than one version; give more characters`);
    return rows[0].version;
  }

  /** Makes a published version the active one. */
  async activate(idOrPrefix: string, caller: Caller, now: Date, reason: 'activate' | 'rollback' = 'activate'): Promise<ActivationView> {
    return this.write(async (em) => {
      const version = await this.resolve(em, idOrPrefix);
      const previous = await latestActivation(em);
      if (previous?.version !== version) {
        await em.insert(RulesetActivation, { version, activatedBy: caller.actor, reason, createdAt: now });
        await em.insert(AuditEvent, { actor: caller.actor, event: 'ruleset.activate', target: version, details: { reason, previous: previous?.version ?? null }, createdAt: now });
      }
      return { version, activatedBy: caller.actor, reason, at: now.toISOString() };
    });
  }

  /** Activates the version that was active before the current one. */
  async rollback(caller: Caller, now: Date): Promise<ActivationView> {
    const em = this.fork();
    const log = await em.find(RulesetActivation, {}, { orderBy: { id: 'desc' }, limit: 200 });
    const current = log[0]?.version;
    const previous = log.find((a) => a.version !== current)?.version;
    if (!previous) throw new LedgerError('VERSION_NOT_FOUND', 'there is no earlier active version to roll back to');
    return this.activate(previous, caller, now, 'rollback');
  }

  /** The active version, or undefined before the first activation. */
  async active(): Promise<ActivationView | undefined> {
    const a = await latestActivation(this.fork());
    return a ? activationView(a) : undefined;
  }

  /** Activations, newest first. */
  async history(limit = 100): Promise<ActivationView[]> {
    return (await this.fork().find(RulesetActivation, {}, { orderBy: { id: 'desc' }, limit })).map(activationView);
  }

  /** Compiles a published version from its stored files. */
  async compile(idOrPrefix: string): Promise<CompiledRuleSet> {
    const { version, sources } = await this.get(idOrPrefix);
    const { compiled, diagnostics } = await compileSources(sources);
    // INVARIANT: only rule sets that compiled were published, and the version is their content hash.
    if (!compiled || compiled.version !== version) {
      throw new LedgerError('INVALID_RULES', `version \`${version}\` no longer compiles to itself`, { diagnostics });
    }
    return compiled;
  }
}

async function latestActivation(em: SqlEntityManager): Promise<RulesetActivation | null> {
  const [latest] = await em.find(RulesetActivation, {}, { orderBy: { id: 'desc' }, limit: 1 });
  return latest ?? null;
}

function view(r: RulesetVersion, active: string | undefined): VersionView {
  return {
    version: r.version,
    author: r.author,
    message: r.message,
    parentVersion: r.parentVersion ?? null,
    createdAt: r.createdAt.toISOString(),
    active: r.version === active,
    files: r.files.map((f) => f.path),
  };
}

function activationView(a: RulesetActivation): ActivationView {
  return { version: a.version, activatedBy: a.activatedBy, reason: a.reason, at: a.createdAt.toISOString() };
}
