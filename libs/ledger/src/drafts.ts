import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { SourceFile } from '@ratecard/dsl';
import { takeWriteLock, type Database } from './database';
import { AuditEvent, Draft, DraftRevision } from './entities';
import { LedgerError } from './errors';
import { newId } from './ids';
import type { Caller } from './ledger';
import type { RuleVersions } from './rule-versions';

/** A draft as listed: its latest revision's author, time and message. */
export interface DraftView {
  readonly id: string;
  readonly name: string;
  /** The published version it was started from, if any. */
  readonly baseVersion: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  /** The latest revision's number (1 for a new draft). */
  readonly revision: number;
  readonly updatedBy: string;
  readonly updatedAt: string;
  readonly message: string;
}

/** A revision as listed. */
export interface DraftRevisionView {
  readonly number: number;
  readonly author: string;
  readonly message: string;
  readonly createdAt: string;
  readonly files: readonly string[];
}

/** A draft at one revision, with its files, and every revision newest first. */
export interface DraftDetail extends DraftView {
  /** The revision `files` are from (the latest unless another was asked for). */
  readonly shownRevision: number;
  readonly files: readonly SourceFile[];
  readonly revisions: readonly DraftRevisionView[];
}

/** A save: files to add or replace, paths to remove, on top of `baseRevision`. */
export interface DraftChange {
  /** The revision the editor started from; a save on an older one is a conflict (someone saved in between). */
  readonly baseRevision: number;
  readonly files?: readonly SourceFile[];
  readonly remove?: readonly string[];
  readonly message?: string;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * True for a path a rule file may have in a draft, and that `ratecard pull` may write: relative,
 * `/`-separated names of letters, digits, `_`, `.` and `-` (no `.` or `..` segment), ending in
 * `.yaml` or `.yml`, at most 255 characters.
 */
export function isSafeRulePath(path: string): boolean {
  if (path.length === 0 || path.length > 255 || !/\.ya?ml$/i.test(path)) return false;
  return path.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
}

/** Most files in a draft. */
export const MAX_DRAFT_FILES = 500;

/**
 * Drafts of rule sets, stored so a PM can come back to them: a draft row (name, the version it
 * started from, who started it) and append-only numbered revisions, each holding every file as
 * written with its author and message. Nothing is ever updated or deleted; a revision saved on a
 * base that is no longer the latest is refused (DRAFT_CONFLICT), so two editors never overwrite
 * each other silently.
 */
export class Drafts {
  constructor(
    private readonly db: Database,
    private readonly versions: RuleVersions,
  ) {}

  private fork(): SqlEntityManager {
    return this.db.orm.em.fork() as SqlEntityManager;
  }

  /**
   * Starts a draft from a published version (id or unique prefix; the active one when neither
   * `from` nor `files` is given) or from files. Revision 1 holds its files.
   */
  async create(input: { name: string; from?: string; files?: readonly SourceFile[] }, author: string, caller: Caller, now: Date): Promise<DraftDetail> {
    let files: readonly SourceFile[];
    let baseVersion: string | null = null;
    if (input.files) {
      if (input.from) throw new LedgerError('INVALID_FILES', 'start a draft from a version or from files, not both');
      files = checkFiles(input.files);
    } else {
      const from = input.from ?? (await this.versions.active())?.version;
      if (!from) throw new LedgerError('VERSION_NOT_FOUND', 'there is no active version to start from; give `from` or `files`');
      const version = await this.versions.get(from);
      baseVersion = version.version;
      files = version.sources.map((f) => ({ path: f.path, text: f.text }));
    }
    const id = newId('draft');
    const message = baseVersion ? `started from ${baseVersion.slice(0, 12)}` : 'started from files';
    await this.fork().transactional(async (em) => {
      await takeWriteLock(em, this.db.kind);
      await em.insert(Draft, { id, name: input.name, baseVersion, createdBy: author, createdAt: now });
      await em.insert(DraftRevision, { draftId: id, number: 1, files: files.map((f) => ({ path: f.path, text: f.text })), author, message, createdAt: now });
      await em.insert(AuditEvent, { actor: caller.actor, event: 'draft.create', target: id, details: { name: input.name, baseVersion, author }, createdAt: now });
    });
    return this.get(id);
  }

  /** Every draft, most recently saved first. */
  async list(): Promise<DraftView[]> {
    const em = this.fork();
    const drafts = await em.find(Draft, {}, { limit: 1000 });
    const revisions = await em.find(DraftRevision, { draftId: { $in: drafts.map((d) => d.id) } }, { fields: ['draftId', 'number', 'author', 'message', 'createdAt'], orderBy: { number: 'asc' } });
    const latest = new Map<string, (typeof revisions)[number]>();
    for (const r of revisions) latest.set(r.draftId, r);
    return drafts
      .filter((d) => latest.has(d.id))
      .map((d) => draftView(d, latest.get(d.id)!))
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? -1 : 1));
  }

  /** A draft with the files of its latest revision, or of `revision`. */
  async get(id: string, revision?: number): Promise<DraftDetail> {
    const em = this.fork();
    const draft = await em.findOne(Draft, { id });
    if (!draft) throw new LedgerError('DRAFT_NOT_FOUND', `no draft \`${id}\``);
    const all = await em.find(DraftRevision, { draftId: id }, { fields: ['number', 'author', 'message', 'createdAt', 'files'], orderBy: { number: 'desc' } });
    const latest = all[0];
    const shown = revision === undefined ? latest : all.find((r) => r.number === revision);
    if (!shown) throw new LedgerError('DRAFT_NOT_FOUND', `draft \`${id}\` has no revision ${revision} (it has 1 to ${latest.number})`);
    return {
      ...draftView(draft, latest),
      shownRevision: shown.number,
      files: shown.files.map((f) => ({ path: f.path, text: f.text })),
      revisions: all.map((r) => ({ number: r.number, author: r.author, message: r.message, createdAt: r.createdAt.toISOString(), files: r.files.map((f) => f.path) })),
    };
  }

  /**
   * Saves a revision: the base revision's files with `files` added or replaced and `remove`
   * removed. A save that changes nothing returns the draft as it is (no revision). A base that is
   * not the latest revision is a DRAFT_CONFLICT: reload, merge, save again.
   */
  async revise(id: string, change: DraftChange, author: string, caller: Caller, now: Date): Promise<DraftDetail & { created: boolean }> {
    const upserts = checkFiles(change.files ?? [], { allowEmpty: true });
    const removed = new Set(change.remove ?? []);
    for (const f of upserts) if (removed.has(f.path)) throw new LedgerError('INVALID_FILES', `\`${f.path}\` is both saved and removed`);
    let created = false;
    try {
      await this.fork().transactional(async (em) => {
        await takeWriteLock(em, this.db.kind);
        if (!(await em.findOne(Draft, { id }, { fields: ['id'] }))) throw new LedgerError('DRAFT_NOT_FOUND', `no draft \`${id}\``);
        const [latest] = await em.find(DraftRevision, { draftId: id }, { orderBy: { number: 'desc' }, limit: 1 });
        if (latest.number !== change.baseRevision) {
          throw new LedgerError('DRAFT_CONFLICT', `revision ${latest.number} was saved by ${latest.author} after revision ${change.baseRevision} that this change is based on; reload the draft and apply the change again`, { latestRevision: latest.number, latestAuthor: latest.author });
        }
        const byPath = new Map(latest.files.map((f) => [f.path, f.text]));
        for (const path of removed) {
          if (!byPath.has(path)) throw new LedgerError('INVALID_FILES', `\`${path}\` is not a file of the draft`);
          byPath.delete(path);
        }
        for (const f of upserts) byPath.set(f.path, f.text);
        const files = [...byPath].map(([path, text]) => ({ path, text })).sort((a, b) => (a.path < b.path ? -1 : 1));
        if (files.length === 0) throw new LedgerError('INVALID_FILES', 'a draft keeps at least one file');
        if (files.length > MAX_DRAFT_FILES) throw new LedgerError('INVALID_FILES', `a draft holds at most ${MAX_DRAFT_FILES} files`);
        const same = files.length === latest.files.length && files.every((f) => latest.files.some((g) => g.path === f.path && g.text === f.text));
        if (same) return;
        const number = latest.number + 1;
        const message = change.message?.trim() || `revision ${number}`;
        await em.insert(DraftRevision, { draftId: id, number, files, author, message, createdAt: now });
        await em.insert(AuditEvent, { actor: caller.actor, event: 'draft.revise', target: id, details: { revision: number, message, author, changed: upserts.map((f) => f.path), removed: [...removed] }, createdAt: now });
        created = true;
      });
    } catch (e) {
      // Another process saved the same revision number first (PostgreSQL, no write lock there).
      if (e instanceof UniqueConstraintViolationException) throw new LedgerError('DRAFT_CONFLICT', `another revision was saved after revision ${change.baseRevision}; reload the draft and apply the change again`);
      throw e;
    }
    return { ...(await this.get(id)), created };
  }
}

/** Checks paths (see {@link isSafeRulePath}) and that no path appears twice. */
function checkFiles(files: readonly SourceFile[], options: { allowEmpty?: boolean } = {}): SourceFile[] {
  if (files.length === 0 && !options.allowEmpty) throw new LedgerError('INVALID_FILES', 'a draft needs at least one file');
  if (files.length > MAX_DRAFT_FILES) throw new LedgerError('INVALID_FILES', `a draft holds at most ${MAX_DRAFT_FILES} files`);
  const seen = new Set<string>();
  for (const f of files) {
    if (!isSafeRulePath(f.path)) throw new LedgerError('INVALID_FILES', `\`${f.path}\` is not a rule file path: use relative names of letters, digits, \`_\`, \`.\` and \`-\` ending in \`.yaml\``);
    if (seen.has(f.path)) throw new LedgerError('INVALID_FILES', `\`${f.path}\` appears twice`);
    seen.add(f.path);
  }
  return files.map((f) => ({ path: f.path, text: f.text }));
}

function draftView(d: Draft, latest: Pick<DraftRevision, 'number' | 'author' | 'createdAt' | 'message'>): DraftView {
  return {
    id: d.id,
    name: d.name,
    baseVersion: d.baseVersion ?? null,
    createdBy: d.createdBy,
    createdAt: d.createdAt.toISOString(),
    revision: latest.number,
    updatedBy: latest.author,
    updatedAt: latest.createdAt.toISOString(),
    message: latest.message,
  };
}
