import type { Problem } from '../api/client';

/**
 * The activation guard's report (issue 11, built in parallel): before a switch, the service checks
 * what it does to live accounts (plans that disappear, actions in use that vanish) and refuses with
 * a 409 problem carrying the report. This renders whatever report the problem carries; until the
 * guard exists on the service, activations are not refused and the panel says so.
 */
export function GuardPanel({ refusal }: { refusal: Problem | null }) {
  if (!refusal) {
    return (
      <p className="muted">
        The activation guard checks live accounts when a version is activated (accounts on plans the version lacks, actions in use that disappear). If it refuses an activation or a rollback below, its report appears here with what to do.
      </p>
    );
  }
  const report = (refusal.report ?? refusal.guard ?? null) as unknown;
  return (
    <div className="callout bad" role="alert" data-testid="guard-report">
      <strong>The service refused the switch: {refusal.detail}</strong>
      {report ? <ReportBody report={report} /> : null}
    </div>
  );
}

function ReportBody({ report }: { report: unknown }) {
  if (Array.isArray(report)) {
    return (
      <ul>
        {report.map((r, i) => (
          <li key={i}>{typeof r === 'object' && r !== null ? describe(r as Record<string, unknown>) : String(r)}</li>
        ))}
      </ul>
    );
  }
  if (typeof report === 'object' && report !== null) {
    return (
      <dl className="report">
        {Object.entries(report as Record<string, unknown>).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{Array.isArray(v) ? (v.length ? <ReportBody report={v} /> : 'none') : typeof v === 'object' && v !== null ? describe(v as Record<string, unknown>) : String(v)}</dd>
          </div>
        ))}
      </dl>
    );
  }
  return <p>{String(report)}</p>;
}

function describe(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}
