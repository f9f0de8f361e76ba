/** Shapes of the API's answers that the Studio reads (see /docs/openapi.json). */

export type Role = 'admin' | 'auditor' | 'service';

export interface WhoAmI {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly location?: Location;
  readonly hint?: string;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface Version {
  readonly version: string;
  readonly author: string;
  readonly message: string;
  readonly parentVersion: string | null;
  readonly createdAt: string;
  readonly active: boolean;
  readonly files: readonly string[];
}

export interface VersionDetail extends Version {
  readonly sources: readonly SourceFile[];
}

export interface Activation {
  readonly id: number;
  readonly version: string;
  readonly activatedBy: string;
  /** `publish`, `activate`, `rollback` or `cancel`. */
  readonly reason: string;
  /** When it was written. */
  readonly at: string;
  /** When it takes effect: `at`, or the scheduled instant. */
  readonly effectiveAt: string;
  /** Scheduled, and its time has not come. */
  readonly pending: boolean;
  readonly cancelledBy: number | null;
  readonly cancels: number | null;
}

export interface Reason {
  readonly code: string;
  readonly message: string;
  readonly rule?: string;
  readonly requiredPlan?: string;
}

export interface BreakdownLine {
  readonly label: string;
  readonly credits: number;
  readonly rule: string;
  readonly assumption?: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly cost: number;
  readonly costMillicredits: number;
  readonly exempt: boolean;
  readonly requiresConfirmation: boolean;
  readonly reasons: readonly Reason[];
  readonly breakdown: readonly BreakdownLine[];
  readonly rulesetVersion: string;
}

export interface Validation {
  readonly valid: boolean;
  readonly version: string | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly ruleFiles: number;
  readonly actions: number;
  readonly plans: number;
}

export interface CaseResult {
  readonly note: string;
  readonly location: Location;
  readonly plan: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly pass: boolean;
  readonly mismatches: readonly { field: string; want: string; got: string }[];
  readonly decision: Decision;
}

export interface TestReport {
  readonly version: string;
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly CaseResult[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface RuleChange {
  readonly kind: string;
  readonly subject: string;
  readonly summary: string;
  readonly direction: 'tightened' | 'loosened' | 'neutral';
  readonly before?: Location;
  readonly after?: Location;
}

export interface CellOutcome {
  readonly allowed: boolean;
  readonly cost: number;
  readonly reasons: readonly string[];
}

export interface CellChange {
  readonly action: string;
  readonly plan: string;
  readonly params: Record<string, string | number | boolean>;
  readonly before: CellOutcome | null;
  readonly after: CellOutcome | null;
}

export interface RuleSetDiff {
  readonly from: string;
  readonly to: string;
  readonly identical: boolean;
  readonly rules: readonly RuleChange[];
  readonly cells: readonly CellChange[];
  readonly cellsCompared: number;
  /** Grouped, plain-words summaries, when the service provides them. */
  readonly [more: string]: unknown;
}

export interface ImpactGroup {
  readonly key: string;
  readonly requests: number;
  readonly changedOutcome: number;
  readonly newlyDenied: number;
  readonly newlyAllowed: number;
  readonly repriced: number;
  readonly chargedBefore: number;
  readonly chargedAfter: number;
}

export interface ImpactReport {
  readonly candidateVersion: string;
  readonly window: { readonly since: string; readonly until: string };
  readonly requests: number;
  readonly changedOutcome: number;
  readonly repriced: number;
  readonly chargedBefore: number;
  readonly chargedAfter: number;
  readonly byAction: readonly ImpactGroup[];
  readonly byPlan: readonly ImpactGroup[];
  readonly newlyDeniedAccounts: readonly { accountId: string; requests: number }[];
}

export interface DraftSummary {
  readonly id: string;
  readonly name: string;
  readonly baseVersion: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly revision: number;
  readonly updatedBy: string;
  readonly updatedAt: string;
  readonly message: string;
}

export interface Draft extends DraftSummary {
  readonly shownRevision: number;
  readonly files: readonly SourceFile[];
  readonly revisions: readonly { number: number; author: string; message: string; createdAt: string; files: readonly string[] }[];
}

export interface PriceRow {
  readonly action: string;
  readonly item: string;
  readonly credits: string;
  readonly plans: string;
  readonly notes: readonly string[];
  readonly assumptions: readonly number[];
  readonly range?: { min: number; max: number };
}

export interface PriceTable {
  readonly rulesetVersion: string;
  readonly plans: readonly { id: string; name: string; allowance: number; quotas: readonly { action: string; count: number }[]; assumptions: readonly number[] }[];
  readonly cycle: readonly string[];
  readonly groups: readonly { name: string; rows: readonly PriceRow[] }[];
  readonly free: readonly { action: string; name: string; reason: string }[];
  readonly assumptions: readonly { number: number; about: string; text: string }[];
}

export interface GridCell {
  readonly plan: string;
  readonly allowed: boolean;
  readonly cost: number;
  readonly reasons: readonly Reason[];
  readonly quota: number | null;
}

export interface GridRow {
  readonly action: string;
  readonly name: string;
  readonly group: string | null;
  readonly option: { param: string; value: string | number | boolean; isDefault: boolean } | null;
  readonly requiresConfirmation: boolean;
  readonly exempt: boolean;
  readonly cells: readonly GridCell[];
}

export interface PlanGrid {
  readonly rulesetVersion: string;
  readonly plans: readonly { id: string; name: string }[];
  readonly rows: readonly GridRow[];
}

export interface RuleLocation {
  readonly rule: string;
  readonly subject: string;
  readonly location: Location;
}

export interface DecisionLogItem {
  readonly id: number;
  readonly kind: string;
  readonly accountId: string;
  readonly plan: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly confirm: boolean;
  readonly allowed: boolean;
  readonly cost: number;
  readonly reasons: readonly string[];
  readonly rulesetVersion: string;
  readonly chargeId: string | null;
  readonly apiKeyId: string | null;
  readonly apiKeyName?: string | null;
  readonly createdAt: string;
  readonly decision: Decision;
  readonly balanceMillicredits: number;
  readonly usage: Record<string, number>;
}

export interface Page<T, C = string> {
  readonly items: readonly T[];
  readonly next: C | null;
}

export interface Charge {
  readonly id: string;
  readonly accountId: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly cost: number;
  readonly costMillicredits: number;
  readonly rulesetVersion: string;
  readonly entryId: number | null;
  readonly holdId: string | null;
  readonly balance: number;
  readonly refunded?: number;
  readonly createdAt: string;
}

export interface LedgerEntry {
  readonly id: number;
  readonly kind: string;
  readonly amount: number;
  readonly amountMillicredits: number;
  readonly balanceAfter: number;
  readonly action: string | null;
  readonly chargeId: string | null;
  readonly holdId: string | null;
  readonly plan: string | null;
  readonly rulesetVersion: string | null;
  readonly reason: string;
  readonly createdAt: string;
  /** Ledger v2: which grants paid this entry. */
  readonly allocations?: readonly { grantId: string; amount: number }[];
}

export interface Account {
  readonly id: string;
  readonly plan: string;
  readonly planName: string;
  readonly pendingPlan: string | null;
  readonly billingAnchor: number;
  readonly balance: number;
  readonly held: number;
  readonly cycle: { start: string; end: string };
  readonly allowance: { credits: number; assumed: boolean; assumption?: string };
  readonly usage: readonly { action: string; used: number; quota: number | null; left: number | null }[];
  readonly createdAt: string;
  readonly rulesetVersion: string;
  /** Ledger v2: live credit grants. */
  readonly grants?: readonly Grant[];
}

export interface Grant {
  readonly id: string;
  readonly source: string;
  readonly amount: number;
  readonly remaining: number;
  readonly expiresAt: string | null;
  readonly priority: number;
  readonly reason: string;
}

export interface AccountSummary {
  readonly id: string;
  readonly plan: string;
  readonly pendingPlan: string | null;
  readonly balance: number;
  readonly held: number;
  readonly cycleEnd: string;
  readonly createdAt: string;
}

export interface AuditEvent {
  readonly id: number;
  readonly actor: string;
  readonly actorName: string | null;
  readonly event: string;
  readonly target: string;
  readonly details: Record<string, unknown>;
  readonly createdAt: string;
}

export interface CatalogueParam {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean';
  readonly values?: readonly (string | number | boolean)[];
  readonly default?: string | number | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly unit?: string;
}

export interface Catalogue {
  readonly plans: readonly { id: string; name: string }[];
  readonly actions: readonly { id: string; name: string; params: readonly CatalogueParam[] }[];
}

export interface ValidationWithCatalogue extends Validation {
  readonly catalogue: Catalogue | null;
}
