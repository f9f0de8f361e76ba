import { useState } from 'react';
import { api, ApiError, type Problem } from '../api/client';
import { capabilities } from '../api/capabilities';
import type { Activation, Draft, ImpactReport, RuleSetDiff, TestReport, Validation, Version } from '../api/types';
import { GuardPanel } from '../features/guard';
import { count, short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link } from '../router';
import { useCanWrite } from '../session';
import { DiffView } from '../ui/DiffView';
import { ImpactView } from '../ui/ImpactView';
import { Badge, ConfirmDialog, EmptyState, ErrorState, Field, Load, PageHeader, Panel, Table } from '../ui/components';

type Action = 'publish' | 'activate' | 'schedule' | 'rollback' | null;

/** Reviewing a draft before it goes live: cases, diff, impact, the guard; then publish, activate, roll back. */
export function Review({ draftId }: { draftId: string }) {
  const draft = useLoad((signal) => api.get<Draft>(`/v1/drafts/${draftId}`, undefined, signal), [draftId]);
  const versions = useLoad((signal) => api.get<Version[]>('/v1/rulesets', undefined, signal), []);
  useTitle(draft.data ? `Review ${draft.data.name}` : 'Review');
  return (
    <Load state={draft} what="the draft">
      {(d) => (
        <Load state={versions} what="versions">
          {(vs) => <ReviewBody draft={d} versions={vs} reloadVersions={versions.reload} />}
        </Load>
      )}
    </Load>
  );
}

function ReviewBody({ draft, versions, reloadVersions }: { draft: Draft; versions: readonly Version[]; reloadVersions: () => void }) {
  const canWrite = useCanWrite();
  const active = versions.find((v) => v.active);
  const files = draft.files;
  const ruleFiles = files.filter((f) => !/\.test\.ya?ml$/i.test(f.path));
  const [since, setSince] = useState('30d');
  const validation = useLoad((signal) => api.post<Validation>('/v1/rulesets/validate', { files }, signal), [draft.id, draft.revision]);
  const cases = useLoad((signal) => api.post<TestReport>('/v1/rulesets/test', { files }, signal), [draft.id, draft.revision]);
  const diff = useLoad((signal) => (active ? api.post<RuleSetDiff>('/v1/rulesets/diff', { from: active.version, files: ruleFiles }, signal) : Promise.resolve(null)), [draft.id, draft.revision, active?.version]);
  const impact = useLoad((signal) => api.post<ImpactReport>('/v1/rulesets/impact', { files: ruleFiles, since }, signal), [draft.id, draft.revision, since]);
  const caps = useLoad(() => capabilities(), []);

  const candidate = validation.data?.version ?? null;
  const published = candidate ? versions.find((v) => v.version === candidate) : undefined;
  const previous = useLoad((signal) => api.get<Activation[]>('/v1/rulesets/activations', undefined, signal), [versions]);
  const rollbackTo = (() => {
    const log = previous.data ?? [];
    const current = log[0]?.version;
    return log.find((a) => a.version !== current)?.version;
  })();

  const [action, setAction] = useState<Action>(null);
  const [message, setMessage] = useState('');
  const [at, setAt] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<Problem | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      const note = await fn();
      setDone(note);
      setAction(null);
      reloadVersions();
    } catch (e) {
      if (e instanceof ApiError) {
        if (e.status === 409 && (e.problem.report || e.problem.guard)) {
          setRefusal(e.problem);
          setAction(null);
        }
        setError(`${e.detail}${e.problem.diagnostics ? ` (${(e.problem.diagnostics as unknown[]).length} diagnostics)` : ''}`);
      } else setError(String(e));
    } finally {
      setBusy(false);
    }
  };

  const ready = validation.data?.valid === true;
  const failing = cases.data?.failed ?? 0;

  return (
    <>
      <PageHeader
        title={`Review: ${draft.name}`}
        subtitle={
          <>
            Revision {draft.revision} by {draft.updatedBy}, {when(draft.updatedAt)} · against the active version <code>{short(active?.version)}</code>
          </>
        }
        actions={
          <Link to={`/drafts/${draft.id}`} className="button">
            Back to the editor
          </Link>
        }
      />
      {done ? (
        <div className="callout good" role="status">
          {done}
        </div>
      ) : null}

      <Panel title="Go live" className="golive">
        <Load state={validation} what="the validation">
          {(v) =>
            !v.valid ? (
              <div className="callout bad">
                The draft has errors and cannot be published. <Link to={`/drafts/${draft.id}`}>Fix them in the editor</Link>.
              </div>
            ) : (
              <div className="golive-grid">
                <dl className="facts">
                  <div>
                    <dt>Would publish as</dt>
                    <dd>
                      <code>{short(v.version)}</code> {published ? <Badge tone="info">already published</Badge> : null} {published?.active ? <Badge tone="good">active</Badge> : null}
                    </dd>
                  </div>
                  <div>
                    <dt>Cases</dt>
                    <dd>{cases.data ? failing ? <Badge tone="bad">{count(failing, 'failing case')}</Badge> : <Badge tone="good">all {cases.data.passed} pass</Badge> : '…'}</dd>
                  </div>
                  <div>
                    <dt>Active now</dt>
                    <dd>
                      <code>{short(active?.version)}</code> {active ? <span className="muted">· {active.message}</span> : null}
                    </dd>
                  </div>
                </dl>
                {canWrite ? (
                  <div className="golive-actions">
                    <button type="button" className="button primary" disabled={!ready || !!published} onClick={() => (setError(null), setAction('publish'))}>
                      Publish…
                    </button>
                    <button type="button" className="button" disabled={!published || published.active} onClick={() => (setError(null), setAction('activate'))}>
                      Activate now…
                    </button>
                    <button type="button" className="button" disabled={!published || published.active || !caps.data?.schedule} onClick={() => (setError(null), setAction('schedule'))} aria-describedby="schedule-note">
                      Activate at a time…
                    </button>
                    <button type="button" className="button danger-outline" disabled={!rollbackTo} onClick={() => (setError(null), setAction('rollback'))}>
                      Roll back…
                    </button>
                    {caps.data && !caps.data.schedule ? (
                      <small id="schedule-note" className="muted">
                        Scheduled activation is not available on this server yet.
                      </small>
                    ) : null}
                  </div>
                ) : (
                  <p className="muted" role="note">
                    Publishing, activating and rolling back need an admin key; your auditor key can read this review.
                  </p>
                )}
              </div>
            )
          }
        </Load>
        {error && !action ? (
          <div className="form-error" role="alert">
            {error}
          </div>
        ) : null}
      </Panel>

      <Panel title="Activation guard">
        <GuardPanel refusal={refusal} />
      </Panel>

      <Panel title={`Cases${cases.data ? `: ${cases.data.passed} passed, ${cases.data.failed} failed` : ''}`}>
        <Load state={cases} what="the cases">{(t) => <CasesView report={t} />}</Load>
      </Panel>

      <Panel title={`Changes against the active version ${short(active?.version)}`}>
        <Load state={diff} what="the diff">
          {(d) => (d ? <DiffView diff={d} fromLabel="active" toLabel="draft" /> : <EmptyState title="No active version to compare with" />)}
        </Load>
      </Panel>

      <Panel
        title="Impact on recent traffic"
        actions={
          <Field label="Window">
            {(id) => (
              <select id={id} value={since} onChange={(e) => setSince(e.target.value)}>
                <option value="1d">last day</option>
                <option value="7d">last 7 days</option>
                <option value="30d">last 30 days</option>
                <option value="90d">last 90 days</option>
              </select>
            )}
          </Field>
        }
      >
        <Load state={impact} what="the impact preview">{(r) => <ImpactView report={r} />}</Load>
      </Panel>

      <ConfirmDialog
        open={action === 'publish'}
        title="Publish this draft"
        confirmLabel="Publish"
        busy={busy}
        error={error}
        disabled={!message.trim()}
        onClose={() => setAction(null)}
        onConfirm={() =>
          run(async () => {
            const r = await api.post<{ version: string; created: boolean }>('/v1/rulesets', { files, message: message.trim() });
            return `Published ${short(r.version)}${r.created ? '' : ' (it was already published)'}. Nothing changed for customers yet: activate it to switch.`;
          })
        }
      >
        <p>
          Stores revision {draft.revision} as version <code>{short(candidate)}</code>, with your message and you as its author. It does <strong>not</strong> change any price yet: customers keep <code>{short(active?.version)}</code> until you activate.
        </p>
        <ul>
          <li>{diff.data ? `${count(diff.data.rules.length, 'rule change')}, ${count(diff.data.cells.length, 'price or outcome cell')} different from the active version` : 'the diff is loading'}</li>
          <li>{cases.data ? (failing ? `${count(failing, 'case')} fail` : `all ${cases.data.passed} cases pass`) : 'the cases are running'}</li>
        </ul>
        <Field label="Message" hint="What changed and why; it is shown in the version history.">
          {(id) => <textarea id={id} rows={3} value={message} onChange={(e) => setMessage(e.target.value)} maxLength={2000} required />}
        </Field>
      </ConfirmDialog>

      <ConfirmDialog
        open={action === 'activate'}
        title="Activate now"
        confirmLabel="Activate now"
        busy={busy}
        error={error}
        onClose={() => setAction(null)}
        onConfirm={() =>
          run(async () => {
            const a = await api.post<Activation>(`/v1/rulesets/${published!.version}/activate`);
            return `Version ${short(a.version)} is active: every request is priced by it from now on (other processes follow within seconds).`;
          })
        }
      >
        <p>
          Switches every service from <code>{short(active?.version)}</code> to <code>{short(published?.version)}</code> at once. The next decision and charge are priced by the new version;
          {impact.data ? ` over the last ${since} it would have repriced ${impact.data.repriced} of ${impact.data.requests} requests and changed ${impact.data.changedOutcome} outcomes.` : ''}
        </p>
        <p className="muted">You can roll back at any time.</p>
      </ConfirmDialog>

      <ConfirmDialog
        open={action === 'schedule'}
        title="Activate at a time"
        confirmLabel="Schedule"
        busy={busy}
        error={error}
        disabled={!at}
        onClose={() => setAction(null)}
        onConfirm={() =>
          run(async () => {
            const s = caps.data!.schedule!;
            const iso = new Date(`${at}Z`).toISOString();
            if (s.route === 'activate') await api.post(`/v1/rulesets/${published!.version}/activate`, { [s.field]: iso });
            else await api.post('/v1/rulesets', { files, message: published!.message, [s.field]: iso });
            return `Version ${short(published!.version)} will become active at ${when(iso)}.`;
          })
        }
      >
        <p>
          Switches from <code>{short(active?.version)}</code> to <code>{short(published?.version)}</code> at the time you choose (UTC); every process switches at that instant.
        </p>
        <Field label="Activate at (UTC)">{(id) => <input id={id} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} required />}</Field>
      </ConfirmDialog>

      <ConfirmDialog
        open={action === 'rollback'}
        title="Roll back"
        confirmLabel="Roll back"
        tone="danger"
        busy={busy}
        error={error}
        onClose={() => setAction(null)}
        onConfirm={() =>
          run(async () => {
            const a = await api.post<Activation>('/v1/rulesets/rollback');
            return `Rolled back: ${short(a.version)} is active again.`;
          })
        }
      >
        <p>
          Activates <code>{short(rollbackTo)}</code> again, the version that was active before <code>{short(active?.version)}</code>. Requests are priced by it from the next one.
        </p>
      </ConfirmDialog>
    </>
  );
}

function CasesView({ report }: { report: TestReport }) {
  const [showPassed, setShowPassed] = useState(false);
  const failures = report.results.filter((r) => !r.pass);
  const shown = showPassed ? report.results : failures;
  if (report.results.length === 0) return <EmptyState title="No cases">Write expected results in `*.test.yaml` files next to the rules.</EmptyState>;
  return (
    <div className="stack" data-testid="cases">
      {report.diagnostics.length ? <ErrorState error={new ApiError({ status: 422, code: 'CASES', detail: `${report.diagnostics.length} problem(s) in the case files` })} /> : null}
      {failures.length === 0 ? <p className="ok-text">All {report.passed} cases pass with this draft.</p> : null}
      {shown.length ? (
        <Table caption="Case results">
          <thead>
            <tr>
              <th scope="col">Result</th>
              <th scope="col">Case</th>
              <th scope="col">Request</th>
              <th scope="col">Expected</th>
              <th scope="col">Actual</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={i} className={r.pass ? '' : 'failed'}>
                <td>{r.pass ? <Badge tone="good">pass</Badge> : <Badge tone="bad">fail</Badge>}</td>
                <td>
                  {r.note}
                  <div className="muted small">
                    <code>{`${r.location.file}:${r.location.line}`}</code>
                  </div>
                </td>
                <td className="small">
                  <code>{r.action}</code> on {r.plan}
                </td>
                <td className="small">{r.mismatches.length ? r.mismatches.map((m) => <div key={m.field}>{`${m.field}: ${m.want.trim()}`}</div>) : <span className="muted">as expected</span>}</td>
                <td className="small">{r.mismatches.length ? r.mismatches.map((m) => <div key={m.field}>{`${m.field}: ${m.got.trim()}`}</div>) : `${r.decision.allowed ? 'allowed' : 'denied'}, ${r.decision.cost} cr`}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      <button type="button" className="button small" onClick={() => setShowPassed((s) => !s)}>
        {showPassed ? 'Show failures only' : `Show all ${report.results.length} cases`}
      </button>
    </div>
  );
}

