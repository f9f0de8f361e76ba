import type { SqlEntityManager } from '@mikro-orm/knex';
import type { SourceFile } from '@ratecard/dsl';
import { RulesetCases, type RulesetVersion } from './entities';
import { caseFiles, type CaseCheck } from './version-cases';

// A version's cases as stored: append-only revisions (a correction adds one, none is edited).

/** A revision of a version's cases. Revision 1 is the cases it was published with. */
export interface CaseRevisionView {
  readonly version: string;
  readonly revision: number;
  /** How many cases, and how many failed when stored; null for a version published before cases were checked. */
  readonly cases: number | null;
  readonly failed: number | null;
  /** Why failing cases were stored anyway; null when they all passed. */
  readonly forceReason: string | null;
  readonly author: string;
  readonly message: string;
  readonly createdAt: string;
  readonly files: readonly string[];
}

export function caseRow(version: string, revision: number, check: CaseCheck, forced: string | null, author: string, message: string, now: Date): Omit<RulesetCases, 'id'> {
  return { version, revision, files: check.files.map((f) => ({ path: f.path, text: f.text })), cases: check.cases, failed: check.failures.length, forceReason: forced, author, message, createdAt: now };
}

type Revision = Omit<CaseRevisionView, 'files'> & { readonly files: readonly SourceFile[] };

/** Every case revision of a version, oldest first. A version published before revisions were kept has its own case files as revision 1. */
export async function caseRevisions(em: SqlEntityManager, row: RulesetVersion): Promise<Revision[]> {
  const rows = await em.find(RulesetCases, { version: row.version }, { orderBy: { revision: 'asc' } });
  const revisions: Revision[] = rows.map((r) => ({
    version: r.version,
    revision: r.revision,
    cases: r.cases,
    failed: r.failed,
    forceReason: r.forceReason ?? null,
    author: r.author,
    message: r.message,
    createdAt: r.createdAt.toISOString(),
    files: r.files,
  }));
  if (revisions[0]?.revision !== 1) {
    revisions.unshift({ version: row.version, revision: 1, cases: null, failed: null, forceReason: null, author: row.author, message: row.message, createdAt: row.createdAt.toISOString(), files: caseFiles(row.files) });
  }
  return revisions;
}

export async function latestCases(em: SqlEntityManager, row: RulesetVersion): Promise<Revision> {
  const all = await caseRevisions(em, row);
  return all[all.length - 1];
}

