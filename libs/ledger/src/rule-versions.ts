import type { SqlEntityManager } from '@mikro-orm/knex';
import { hasErrors, type Diagnostic, type SourceFile } from '@ratecard/dsl';
import { compileSources, type CompiledRuleSet } from '@ratecard/engine';
import { activationView, activeAt, cancelScheduled, loadTimeline, pendingAt, timelineOf, type ActivationView } from './activation-timeline';
import { activationReport, checkPlanMapping, type ActivationReport, type GuardTarget, type PlanMove } from './activation-guard';
import { takeWriteLock, type Database } from './database';
import { AuditEvent, RulesetActivation, RulesetCases, RulesetVersion } from './entities';
import { LedgerError } from './errors';
import type { Caller } from './ledger';
import { newId } from './ids';
import { applyPlanMapping, type PlanMoveResult } from './plan-mapping';
import { rulesetActivated } from './planner/events';
import { writeEvents } from './store/outbox';
import { caseRevisions, caseRow, latestCases, type CaseRevisionView } from './case-revisions';
import { checkCases, sameCaseFiles, type CaseCheck } from './version-cases';
import { latestActivation, previousVersion, resolveVersion } from './version-names';

export type { CaseRevisionView } from './case-revisions';
export type { ActivationView } from './activation-timeline';

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

/** Overrides and plan moves for a switch of the active version. */
export interface SwitchOptions {
  /** Accounts on each `from` plan move to `to`, in the activation's transaction. */
  readonly migratePlans?: readonly PlanMove[];
  /** Switch (or store failing cases) even though the guard refuses; the reason goes into the audit trail. */
  readonly force?: { readonly reason: string };
  /**
   * Schedule the switch: it takes effect at this instant (after now), in every process at once. The
   * guard checks the accounts as they are now; plan mappings apply at once, so they are not taken.
   */
  readonly at?: Date;
}

/** The outcome of an activation (or rollback): what changed, the guard's report, and the plan moves. */
export interface ActivationResult extends ActivationView {
  /** False when the version was already active: nothing changed. */
  readonly changed: boolean;
  readonly previous: string | null;
  readonly report: ActivationReport;
  readonly migrated: readonly PlanMoveResult[];
  /** The reason given for overriding the guard, when it was overridden. */
  readonly forced: string | null;
}

/** The outcome of publishing. */
export interface PublishResult {
  readonly version: string;
  /** False when the same content was already published (the version is its content hash). */
  readonly created: boolean;
  /** The case revision stored by this publish (1 for a new version), or null when the cases were unchanged. */
  readonly casesRevision: number | null;
  readonly activated: boolean;
  readonly activation: ActivationResult | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly cases: CaseCheck;
  readonly compiled: CompiledRuleSet;
}

/** Compiled versions kept per process (versions are immutable). */
const CACHE_SIZE = 8;

/**
 * Rule-set versions: published immutably under their content hash, with the files as written and
 * the cases they were tested with. Exactly one is active: the latest row of the append-only
 * activation log, so activating and rolling back are one insert each, atomic on both databases.
 * Every switch is guarded: it is refused when it would strand live accounts (see
 * {@link activationReport}) unless the plans are mapped or the switch is forced with a reason.
 */
export class RuleVersions {
  private readonly cache = new Map<string, CompiledRuleSet>();

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
   * Validates and compiles `files`, runs their cases (`*.test.yaml`), then stores them as a version.
   * A rule set with any error never becomes a version; one whose cases fail is refused
   * (`CASES_FAILED`) unless forced with a reason. Publishing the same rules with other cases stores
   * the next revision of the version's cases (append-only: a correction, never an edit).
   */
  async publish(files: readonly SourceFile[], author: string, message: string, now: Date, options: { activate?: boolean; caller?: Caller } & SwitchOptions = {}): Promise<PublishResult> {
    const { compiled, diagnostics } = await compileSources(files);
    if (!compiled || hasErrors(diagnostics)) {
      throw new LedgerError('INVALID_RULES', `the rule set has ${diagnostics.filter((d) => d.severity === 'error').length} error(s) and was not published`, { diagnostics });
    }
    const cases = checkCases(compiled, files, now);
    const forced = !cases.passed && options.force ? options.force.reason : null;
    if (!cases.passed && !forced) {
      const failed = cases.failures.length;
      const detail = failed ? `${failed} of ${cases.cases} cases fail` : 'the case files have errors';
      throw new LedgerError('CASES_FAILED', `${detail}; not published (correct the rules or the cases, or force it with a reason)`, { cases: cases.cases, failures: cases.failures, diagnostics: cases.diagnostics });
    }
    this.remember(compiled);
    const actor = options.caller?.actor ?? author;
    const caseSummary = { count: cases.cases, failed: cases.failures.length, ...(forced ? { forced } : {}) };
    const result = await this.write(async (em) => {
      const existing = await em.findOne(RulesetVersion, { version: compiled.version });
      const parent = await latestActivation(em, now);
      let casesRevision: number | null = null;
      if (!existing) {
        await em.insert(RulesetVersion, {
          version: compiled.version,
          files: files.map((f) => ({ path: f.path, text: f.text })),
          author,
          message,
          parentVersion: parent?.version ?? null,
          createdAt: now,
        });
        casesRevision = 1;
        await em.insert(RulesetCases, caseRow(compiled.version, 1, cases, forced, author, message, now));
        await em.insert(AuditEvent, { actor, event: 'ruleset.publish', target: compiled.version, details: { message, author, files: files.map((f) => f.path), cases: caseSummary }, createdAt: now });
      } else {
        const latest = await latestCases(em, existing);
        if (!sameCaseFiles(latest.files, cases.files)) {
          casesRevision = latest.revision + 1;
          await em.insert(RulesetCases, caseRow(compiled.version, casesRevision, cases, forced, author, message, now));
          await em.insert(AuditEvent, { actor, event: 'ruleset.cases', target: compiled.version, details: { revision: casesRevision, message, author, files: cases.files.map((f) => f.path), cases: caseSummary }, createdAt: now });
        }
      }
      let activation: ActivationResult | null = null;
      if (options.activate) activation = await this.switchTo(em, compiled, options.caller ?? { actor }, now, 'publish', options);
      return { created: !existing, casesRevision, activation };
    });
    return { version: compiled.version, ...result, activated: result.activation?.changed ?? false, diagnostics, cases, compiled };
  }

  /** Published versions, newest first; `active` as of `now` (the system clock's without one). */
  async list(now?: Date): Promise<VersionView[]> {
    const em = this.fork();
    const active = (await latestActivation(em, now))?.version;
    const rows = await em.find(RulesetVersion, {}, { orderBy: { createdAt: 'desc', version: 'asc' } });
    return rows.map((r) => view(r, active));
  }

  /** A version by name (see {@link resolveVersion}), with its files as published and its case revisions. */
  async get(name: string, now?: Date): Promise<VersionView & { readonly sources: readonly SourceFile[]; readonly caseRevisions: readonly CaseRevisionView[] }> {
    const em = this.fork();
    const version = await resolveVersion(em, name, now);
    const row = await em.findOneOrFail(RulesetVersion, { version });
    return { ...view(row, (await latestActivation(em, now))?.version), sources: row.files, caseRevisions: (await caseRevisions(em, row)).map(({ files, ...r }) => ({ ...r, files: files.map((f) => f.path) })) };
  }

  /** The cases a version answers for (its latest case revision), with every revision. */
  async cases(name: string): Promise<{ readonly version: string; readonly revision: number; readonly files: readonly SourceFile[]; readonly revisions: readonly CaseRevisionView[] }> {
    const em = this.fork();
    const version = await this.resolve(em, name);
    const row = await em.findOneOrFail(RulesetVersion, { version });
    const revisions = await caseRevisions(em, row);
    const latest = revisions[revisions.length - 1];
    return { version, revision: latest.revision, files: latest.files, revisions: revisions.map(({ files, ...r }) => ({ ...r, files: files.map((f) => f.path) })) };
  }

  /** Resolves a version name: a full id, a unique prefix of at least 6 characters, `active` or `previous`. */
  resolve(em: SqlEntityManager, name: string): Promise<string> {
    return resolveVersion(em, name);
  }

  /** Resolves a version name outside a transaction. */
  resolveName(name: string): Promise<string> {
    return resolveVersion(this.fork(), name);
  }

  /** What activating `name` would do to live accounts, with `migratePlans` applied. Reads only. */
  async preview(name: string, now: Date, migratePlans: readonly PlanMove[] = []): Promise<ActivationReport> {
    const em = this.fork();
    const version = await resolveVersion(em, name, now);
    const target = await this.compile(version);
    checkPlanMapping(migratePlans, guardTarget(target));
    return activationReport(em, guardTarget(target), (await latestActivation(em, now))?.version ?? null, migratePlans, now);
  }

  /** Makes a published version the active one, if the guard lets it (see {@link SwitchOptions}). */
  async activate(name: string, caller: Caller, now: Date, options: SwitchOptions & { reason?: 'activate' | 'rollback' } = {}): Promise<ActivationResult> {
    const target = await this.compile(name, now);
    return this.write((em) => this.switchTo(em, target, caller, now, options.reason ?? 'activate', options));
  }

  /** Activates the version that was active before the current one (`previous`), if the guard lets it. */
  async rollback(caller: Caller, now: Date, options: SwitchOptions = {}): Promise<ActivationResult> {
    const previous = await previousVersion(this.fork(), now);
    if (!previous) throw new LedgerError('VERSION_NOT_FOUND', 'there is no earlier active version to roll back to');
    return this.activate(previous, caller, now, { ...options, reason: 'rollback' });
  }

  /** The active version at `now` (the system clock's, without one), or undefined before the first activation. */
  async active(now?: Date): Promise<ActivationView | undefined> {
    const rows = await this.fork().find(RulesetActivation, {}, { orderBy: { id: 'asc' } });
    const a = activeAt(timelineOf(rows), now);
    return a ? activationView(a, rows, now) : undefined;
  }

  /**
   * The active version at `now` and the scheduled activations still to come, soonest first: what a
   * process needs to switch at each scheduled instant by itself.
   */
  async schedule(now: Date): Promise<{ readonly active: ActivationView | undefined; readonly pending: readonly ActivationView[] }> {
    const rows = await this.fork().find(RulesetActivation, {}, { orderBy: { id: 'asc' } });
    const t = timelineOf(rows);
    const a = activeAt(t, now);
    return { active: a ? activationView(a, rows, now) : undefined, pending: pendingAt(t, now).map((p) => activationView(p, rows, now)) };
  }

  /** Activations (cancels and scheduled ones included), newest first. */
  async history(limit = 100, now?: Date): Promise<ActivationView[]> {
    const rows = await this.fork().find(RulesetActivation, {}, { orderBy: { id: 'asc' } });
    return rows.reverse().slice(0, limit).map((r) => activationView(r, rows, now));
  }

  /**
   * Withdraws a scheduled activation before its time, with a `cancel` row of its own (the log stays
   * append-only). One that took effect, was cancelled already or was never scheduled is refused.
   */
  async cancel(id: number, caller: Caller, now: Date): Promise<ActivationView> {
    return this.write((em) => cancelScheduled(em, id, caller, now));
  }

  /** Compiles a published version (by name; `active` and `previous` as of `now`) from its stored files. */
  async compile(name: string, now?: Date): Promise<CompiledRuleSet> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const em = this.fork();
    const version = await resolveVersion(em, name, now);
    const hit = this.cache.get(version);
    if (hit) return hit;
    const row = await em.findOneOrFail(RulesetVersion, { version });
    const { compiled, diagnostics } = await compileSources(row.files);
    // INVARIANT: only rule sets that compiled were published, and the version is their content hash.
    if (!compiled || compiled.version !== version) {
      throw new LedgerError('INVALID_RULES', `version \`${version}\` no longer compiles to itself`, { diagnostics });
    }
    this.remember(compiled);
    return compiled;
  }

  private remember(compiled: CompiledRuleSet): void {
    this.cache.delete(compiled.version);
    this.cache.set(compiled.version, compiled);
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }

  /**
   * The guarded switch, in the caller's transaction: the guard's report, refusal unless it is safe
   * (after the plan mapping) or forced, then the plan mapping, the activation row, the audit event and
   * the `ruleset.activated` event.
   */
  private async switchTo(em: SqlEntityManager, target: CompiledRuleSet, caller: Caller, now: Date, how: 'activate' | 'rollback' | 'publish', options: SwitchOptions): Promise<ActivationResult> {
    const version = target.version;
    const mapping = options.migratePlans ?? [];
    const at = options.at;
    if (at && at.getTime() <= now.getTime()) throw new LedgerError('INVALID_SCHEDULE', `a scheduled activation takes effect after now; \`${at.toISOString()}\` is not after \`${now.toISOString()}\``, { at: at.toISOString() });
    if (at && mapping.length) throw new LedgerError('INVALID_SCHEDULE', 'plan mappings move accounts at once and cannot be scheduled: activate at the time with the mapping, or keep the plans in the version', { at: at.toISOString() });
    checkPlanMapping(mapping, guardTarget(target));
    const timeline = await loadTimeline(em);
    const previous = activeAt(timeline, at ?? now)?.version ?? null;
    const report = await activationReport(em, guardTarget(target), activeAt(timeline, now)?.version ?? null, mapping, now);
    const effectiveAt = (at ?? now).toISOString();
    const base = { id: 0, version, activatedBy: caller.actor, reason: how, at: now.toISOString(), effectiveAt, pending: !!at, cancelledBy: null, cancels: null, previous, report };
    if (previous === version) return { ...base, changed: false, migrated: [], forced: null };
    if (!report.safe && !options.force) {
      const what = how === 'rollback' ? `rolling back to ${version.slice(0, 12)}` : `activating ${version.slice(0, 12)}`;
      throw new LedgerError('ACTIVATION_REFUSED', `${what} would hurt live accounts: ${report.problems.map((p) => p.message).join('; ')}`, { report });
    }
    const forced = report.safe ? null : options.force!.reason;
    const migrated = await applyPlanMapping(em, this.db.kind, mapping, { target, how, caller, now });
    const id = await em.insert(RulesetActivation, { version, activatedBy: caller.actor, reason: how, createdAt: now, effectiveAt: at ?? null, cancels: null });
    const details: Record<string, unknown> = { reason: how, previous, ...(at ? { effectiveAt } : {}) };
    if (migrated.length) details.migrated = migrated.map((m) => ({ from: m.from, to: m.to, accounts: m.accounts.length, pendingCleared: m.pendingCleared.length }));
    if (forced) details.forced = { reason: forced, problems: report.problems.map((p) => p.message) };
    await em.insert(AuditEvent, { actor: caller.actor, event: at ? 'ruleset.schedule' : 'ruleset.activate', target: version, details, createdAt: now });
    await writeEvents(em, [rulesetActivated({ now, newId }, target, { previous, how, activatedBy: caller.actor, forced, effectiveAt })]);
    return { ...base, id: Number(id), changed: true, migrated, forced };
  }
}

function guardTarget(compiled: CompiledRuleSet): GuardTarget {
  return { version: compiled.version, plans: new Map(compiled.ruleset.plans.map((p) => [p.id, p.name])), actions: new Set(Object.keys(compiled.ruleset.actions)) };
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

