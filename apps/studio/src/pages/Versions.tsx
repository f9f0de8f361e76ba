import { useMemo, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Activation, AuditEvent, Page, RuleSetDiff, Version } from '../api/types';
import { short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, navigate, useLocation, withQuery } from '../router';
import { DiffView } from '../ui/DiffView';
import { useCanWrite } from '../session';
import { Badge, ConfirmDialog, EmptyState, Field, Load, PageHeader, Panel } from '../ui/components';

interface Period {
  readonly from: string;
  readonly until: string | null;
  readonly by: string;
  readonly reason: string;
}

/**
 * Each version's active periods, from the append-only activation log: the activations that took
 * effect, in the order they did (cancelled and pending ones left out; those are shown as scheduled).
 */
function periodsOf(log: readonly Activation[]): Map<string, Period[]> {
  const asc = log.filter((a) => a.reason !== 'cancel' && a.cancelledBy === null && !a.pending).sort((a, b) => a.effectiveAt.localeCompare(b.effectiveAt) || a.id - b.id);
  const periods = new Map<string, Period[]>();
  asc.forEach((a, i) => {
    const p: Period = { from: a.effectiveAt, until: asc[i + 1]?.effectiveAt ?? null, by: a.activatedBy, reason: a.reason };
    periods.set(a.version, [...(periods.get(a.version) ?? []), p]);
  });
  return periods;
}

/** Every published version with its author, message and when it was active; any two compared. */
export function Versions() {
  useTitle('Versions');
  const { query } = useLocation();
  const versions = useLoad((signal) => api.get<Version[]>('/v1/rulesets', undefined, signal), []);
  const log = useLoad((signal) => api.get<Activation[]>('/v1/rulesets/activations', undefined, signal), []);
  const names = useLoad((signal) => api.get<Page<AuditEvent, number>>('/v1/audit', { event: 'ruleset.activate', limit: 500 }, signal), []);
  const from = query.get('from');
  const to = query.get('to');
  const periods = useMemo(() => periodsOf(log.data ?? []), [log.data]);
  const scheduled = (log.data ?? []).filter((a) => a.pending);
  const canWrite = useCanWrite();
  const [cancelling, setCancelling] = useState<Activation | null>(null);
  const nameOf = (actor: string) => names.data?.items.find((e) => e.actor === actor)?.actorName ?? actor;

  return (
    <>
      <PageHeader title="Versions" subtitle="Every published rule set, newest first, with who published it, why, and when it priced requests." />
      <Load state={versions} what="versions">
        {(list) =>
          list.length === 0 ? (
            <EmptyState title="No versions yet" />
          ) : (
            <div className="versions-layout">
              <Panel title="Timeline">
                <ol className="timeline">
                  {list.map((v) => {
                    const ps = periods.get(v.version) ?? [];
                    return (
                      <li key={v.version} className={v.active ? 'active' : ''}>
                        <div className="timeline-head">
                          <code className="version-id">{short(v.version)}</code>
                          {v.active ? <Badge tone="good">active</Badge> : null}
                          <span className="muted small">
                            {v.author} · {when(v.createdAt)}
                          </span>
                        </div>
                        <p className="timeline-message">{v.message}</p>
                        {scheduled
                          .filter((a) => a.version === v.version)
                          .map((a) => (
                            <p key={a.id} className="scheduled">
                              <Badge tone="info">scheduled</Badge> becomes active {when(a.effectiveAt)} <span className="muted">· {a.reason} by {nameOf(a.activatedBy)}</span>{' '}
                              {canWrite ? (
                                <button type="button" className="button small danger-outline" onClick={() => setCancelling(a)}>
                                  Cancel schedule…
                                </button>
                              ) : null}
                            </p>
                          ))}
                        {ps.length ? (
                          <ul className="periods">
                            {ps.map((p, i) => (
                              <li key={i}>
                                active {when(p.from)} → {p.until ? when(p.until) : 'now'} <span className="muted">· {p.reason} by {nameOf(p.by)}</span>
                              </li>
                            ))}
                          </ul>
                        ) : (
                          <p className="muted small">never active</p>
                        )}
                        <div className="row-actions">
                          <Link className="button small" to={withQuery('/prices', { version: v.version })}>
                            Price list
                          </Link>
                          {v.parentVersion ? (
                            <Link className="button small" to={withQuery('/versions', { from: v.parentVersion, to: v.version })}>
                              Diff with parent {short(v.parentVersion)}
                            </Link>
                          ) : null}
                        </div>
                      </li>
                    );
                  })}
                </ol>
              </Panel>
              <Panel title="Compare two versions">
                <div className="toolbar">
                  <Field label="From">
                    {(id) => (
                      <select id={id} value={from ?? ''} onChange={(e) => navigate(withQuery('/versions', { from: e.target.value, to }), { replace: true })}>
                        <option value="">choose…</option>
                        {list.map((v) => (
                          <option key={v.version} value={v.version}>
                            {short(v.version)} · {v.message.slice(0, 40)}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field label="To">
                    {(id) => (
                      <select id={id} value={to ?? ''} onChange={(e) => navigate(withQuery('/versions', { from, to: e.target.value }), { replace: true })}>
                        <option value="">choose…</option>
                        {list.map((v) => (
                          <option key={v.version} value={v.version}>
                            {short(v.version)} · {v.message.slice(0, 40)}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                </div>
                {from && to ? <Compare from={from} to={to} /> : <p className="muted">Choose two versions to see what changed between them, rule by rule and price by price.</p>}
              </Panel>
            </div>
          )
        }
      </Load>
      {cancelling ? <CancelScheduleDialog activation={cancelling} onClose={() => setCancelling(null)} onDone={() => (setCancelling(null), log.reload())} /> : null}
    </>
  );
}

function Compare({ from, to }: { from: string; to: string }) {
  const diff = useLoad((signal) => api.get<RuleSetDiff>('/v1/rulesets/diff', { from, to }, signal), [from, to]);
  return <Load state={diff} what="the diff">{(d) => <DiffView diff={d} fromLabel={short(from)} toLabel={short(to)} />}</Load>;
}

/** Withdraws a scheduled activation before its time (an append-only `cancel` row), after saying what it does. */
function CancelScheduleDialog({ activation, onClose, onDone }: { activation: Activation; onClose: () => void; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <ConfirmDialog
      open
      title="Cancel a scheduled activation"
      confirmLabel="Cancel the schedule"
      tone="danger"
      busy={busy}
      error={error}
      onClose={onClose}
      onConfirm={async () => {
        setBusy(true);
        setError(null);
        try {
          await api.post(`/v1/rulesets/activations/${activation.id}/cancel`, {});
          onDone();
        } catch (e) {
          setError(e instanceof ApiError ? e.detail : String(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>
        Version <code>{short(activation.version)}</code> will not become active at {when(activation.effectiveAt)}. The activation log keeps the schedule and records its cancellation with your key.
      </p>
    </ConfirmDialog>
  );
}
