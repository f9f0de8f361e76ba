import { resolve } from 'node:path';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { formatDiagnostic } from '@ratecard/dsl';
import type { CompiledRuleSet } from '@ratecard/engine';
import { LedgerError, RuleVersions, type CaseFailure, type RulesProvider } from '@ratecard/ledger';
import { DirectoryRuleSource } from '@ratecard/sources';
import type { AppConfig } from '../config';
import { CLOCK, CONFIG, type Clock } from '../tokens';

/**
 * The rules decisions use. The active version lives in the database; every process polls it and
 * swaps its compiled rule set in one assignment, so a request sees one version from start to end
 * and all processes converge within `RULES_POLL_MS`. Scheduled activations are read by the same poll
 * and compiled ahead: at their instant every process switches by its own clock, not at its next
 * poll, and an operation is priced by the version in effect at its own time. On a database with no
 * active version, the bundled rules directory is published and activated.
 */
@Injectable()
export class RulesService implements RulesProvider, OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('rules');
  private readonly compiled = new Map<string, CompiledRuleSet>();
  private current!: CompiledRuleSet;
  /** Scheduled switches still to come, soonest first, each compiled ahead. */
  private upcoming: readonly { readonly atMs: number; readonly compiled: CompiledRuleSet }[] = [];
  /** When the first of {@link upcoming} takes effect (Infinity when none): the hot path's one check. */
  private nextAtMs = Infinity;
  private timer?: NodeJS.Timeout;
  /** The check under way, if any: checks run one at a time, in order. */
  private checking?: Promise<void>;

  constructor(
    private readonly versions: RuleVersions,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    let active = await this.versions.active();
    if (!active) {
      const dir = resolve(this.config.rulesDir);
      const files = await new DirectoryRuleSource(dir, dir).load();
      try {
        const published = await this.versions.publish(files, 'system', `bundled rules from ${this.config.rulesDir}/ at first start`, this.clock.now(), { activate: true });
        this.log.log(`published and activated the bundled rules as ${published.version.slice(0, 12)}`);
      } catch (e) {
        if (e instanceof LedgerError && e.code === 'INVALID_RULES') {
          const diagnostics = (e.details.diagnostics as Parameters<typeof formatDiagnostic>[0][]) ?? [];
          throw new Error(`the rules in ${this.config.rulesDir}/ do not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
        }
        if (e instanceof LedgerError && e.code === 'CASES_FAILED') {
          const failures = (e.details.failures as CaseFailure[]) ?? [];
          const diagnostics = (e.details.diagnostics as Parameters<typeof formatDiagnostic>[0][]) ?? [];
          const lines = [...diagnostics.map(formatDiagnostic), ...failures.map((f) => `${f.file}:${f.line}:${f.column}: ${f.note}: ${f.mismatches.map((m) => `${m.field} want ${m.want}, got ${m.got}`).join('; ')}`)];
          throw new Error(`the cases of the rules in ${this.config.rulesDir}/ fail (${e.message}):\n${lines.join('\n')}`);
        }
        // Another process starting on the same new database published and activated them first.
        if (!(e instanceof UniqueConstraintViolationException)) throw e;
        this.log.log('another process published the bundled rules first');
      }
      active = (await this.versions.active())!;
    }
    this.current = await this.load(active.version);
    this.log.log(`active rule set ${active.version.slice(0, 12)}`);
    await this.check();
    this.timer = setInterval(() => {
      if (!this.checking) void this.refresh();
    }, this.config.rulesPollMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  active(now?: Date): CompiledRuleSet {
    if (this.nextAtMs === Infinity) return this.current;
    const ms = (now ?? this.clock.now()).getTime();
    if (ms < this.nextAtMs) return this.current;
    let found = this.current;
    for (const u of this.upcoming) {
      if (u.atMs > ms) break;
      found = u.compiled;
    }
    return found;
  }

  async get(version: string): Promise<CompiledRuleSet | undefined> {
    try {
      return await this.load(version);
    } catch (e) {
      if (e instanceof LedgerError && e.code === 'VERSION_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /**
   * Checks the active version now; returns it. Called by the poller and after activations here. A
   * check already under way may have read the active version before the caller's activation
   * committed, so this waits for it and then checks again.
   */
  async refresh(): Promise<string> {
    while (this.checking) await this.checking;
    const run = this.check();
    this.checking = run;
    try {
      await run;
    } finally {
      if (this.checking === run) this.checking = undefined;
    }
    return this.current.version;
  }

  private async check(): Promise<void> {
    try {
      const now = this.clock.now();
      const { active, pending } = await this.versions.schedule(now);
      const upcoming = await Promise.all(pending.map(async (p) => ({ atMs: Date.parse(p.effectiveAt), compiled: await this.load(p.version) })));
      if (active && active.version !== this.current.version) {
        const next = await this.load(active.version);
        // INVARIANT: one assignment; a request reads `active()` once and keeps that rule set.
        this.current = next;
        this.log.log(`switched to rule set ${next.version.slice(0, 12)}`);
      }
      const known = new Set(this.upcoming.map((u) => `${u.atMs}:${u.compiled.version}`));
      for (const u of upcoming) if (!known.has(`${u.atMs}:${u.compiled.version}`)) this.log.log(`rule set ${u.compiled.version.slice(0, 12)} takes effect at ${new Date(u.atMs).toISOString()}`);
      this.upcoming = upcoming;
      this.nextAtMs = upcoming[0]?.atMs ?? Infinity;
    } catch (e) {
      this.log.error(`could not check the active rule set: ${(e as Error).message}`);
    }
  }

  private async load(version: string): Promise<CompiledRuleSet> {
    const cached = this.compiled.get(version);
    if (cached) return cached;
    const compiled = await this.versions.compile(version);
    this.compiled.set(compiled.version, compiled);
    return compiled;
  }
}
