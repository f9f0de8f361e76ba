import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { AuditEvent, Page } from '../api/types';
import { short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, navigate, useLocation, withQuery } from '../router';
import { EmptyState, Field, Load, PageHeader, Table } from '../ui/components';

const EVENTS = ['ruleset.publish', 'ruleset.activate', 'draft.create', 'draft.revise', 'account.create', 'account.plan', 'account.grant', 'charge.refund', 'hold.release', 'key.create', 'key.revoke'];
const FILTERS = ['event', 'actor', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function toIso(local: string): string | undefined {
  return local ? new Date(`${local}Z`).toISOString() : undefined;
}

/** Where an event's target lives in the Studio, when it has a page. */
function target(e: AuditEvent) {
  const t = e.target;
  if (e.event.startsWith('ruleset.')) return <Link to={withQuery('/prices', { version: t })}>{short(t)}</Link>;
  if (e.event.startsWith('draft.')) return <Link to={`/drafts/${t}`}>{t}</Link>;
  if (e.event.startsWith('account.')) return <Link to={`/accounts/${encodeURIComponent(t)}`}>{t}</Link>;
  if (e.event.startsWith('charge.')) return <Link to={`/charges/${t}`}>{t}</Link>;
  return <code>{t}</code>;
}

function details(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? short(v) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

/** Who did what: accounts, plans, grants, refunds, keys, publishing, activations and drafts. */
export function AuditTrail() {
  useTitle('Audit trail');
  const { query } = useLocation();
  const applied: Filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Filters;
  const key = FILTERS.map((f) => applied[f]).join('|');
  const [form, setForm] = useState<Filters>(applied);
  useEffect(() => setForm(applied), [key]); // eslint-disable-line react-hooks/exhaustive-deps
  const q = { event: applied.event, actor: applied.actor, since: toIso(applied.since), until: toIso(applied.until) };
  const first = useLoad((signal) => api.get<Page<AuditEvent, number>>('/v1/audit', { limit: 50, ...q }, signal), [key]);
  const [extra, setExtra] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  useEffect(() => {
    setExtra([]);
    setCursor(first.data?.next ?? null);
  }, [first.data]);
  const set = (f: keyof Filters) => (e: { target: { value: string } }) => setForm((s) => ({ ...s, [f]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery('/audit', form), { replace: true });
  };
  return (
    <>
      <PageHeader title="Audit trail" subtitle="Every change made through the API or the CLI, newest first. Keys are shown by name." />
      <form className="filters" onSubmit={submit} aria-label="Filter the audit trail">
        <Field label="Event">
          {(id) => (
            <select id={id} value={form.event} onChange={set('event')}>
              <option value="">all events</option>
              {EVENTS.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Actor" hint="a key id, or cli:user">
          {(id) => <input id={id} value={form.actor} onChange={set('actor')} autoComplete="off" />}
        </Field>
        <Field label="From (UTC)">{(id) => <input id={id} type="datetime-local" value={form.since} onChange={set('since')} />}</Field>
        <Field label="Until (UTC)">{(id) => <input id={id} type="datetime-local" value={form.until} onChange={set('until')} />}</Field>
        <div className="filter-actions">
          <button type="submit" className="button primary">
            Filter
          </button>
          <button type="button" className="button" onClick={() => navigate('/audit', { replace: true })}>
            Clear
          </button>
        </div>
      </form>
      <Load state={first} what="the audit trail">
        {(page) => {
          const items = [...page.items, ...extra];
          return items.length === 0 ? (
            <EmptyState title="No events match" />
          ) : (
            <>
              <Table caption="Audit events, newest first">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Event</th>
                    <th scope="col">Who</th>
                    <th scope="col">Target</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={e.id}>
                      <td className="nowrap small">{when(e.createdAt)}</td>
                      <td>
                        <code>{e.event}</code>
                      </td>
                      <td>
                        <button type="button" className="link-button" onClick={() => navigate(withQuery('/audit', { ...applied, actor: e.actor }), { replace: true })} title={`show only ${e.actor}`}>
                          {e.actorName ?? e.actor}
                        </button>
                        {e.actorName ? <div className="muted small">{e.actor}</div> : null}
                      </td>
                      <td>{target(e)}</td>
                      <td className="small">{details(e.details)}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              {cursor !== null ? (
                <button
                  type="button"
                  className="button"
                  onClick={async () => {
                    const next = await api.get<Page<AuditEvent, number>>('/v1/audit', { limit: 50, cursor, ...q });
                    setExtra((x) => [...x, ...next.items]);
                    setCursor(next.next);
                  }}
                >
                  Load more
                </button>
              ) : null}
            </>
          );
        }}
      </Load>
    </>
  );
}
