import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { DecisionLogItem, Page } from '../api/types';
import { cr, params, short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, navigate, useLocation, withQuery } from '../router';
import { Badge, EmptyState, Field, Load, PageHeader, Table } from '../ui/components';

const FILTERS = ['accountId', 'action', 'rulesetVersion', 'kind', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function toIso(local: string): string | undefined {
  return local ? new Date(`${local}Z`).toISOString() : undefined;
}

/** The decision log: every quote, charge, hold and capture, searchable by account, action, version and time. */
export function Charges() {
  useTitle('Charges & decisions');
  const { query } = useLocation();
  const applied: Filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Filters;
  const [form, setForm] = useState<Filters>(applied);
  const key = FILTERS.map((f) => applied[f]).join('|');
  useEffect(() => setForm(applied), [key]); // eslint-disable-line react-hooks/exhaustive-deps
  const [extra, setExtra] = useState<DecisionLogItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(
    (signal) =>
      api.get<Page<DecisionLogItem>>(
        '/v1/decisions',
        { limit: 50, accountId: applied.accountId, action: applied.action, rulesetVersion: applied.rulesetVersion, kind: applied.kind, since: toIso(applied.since), until: toIso(applied.until) },
        signal,
      ),
    [key],
  );
  useEffect(() => {
    setExtra([]);
    setCursor(first.data?.next ?? null);
  }, [first.data]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery('/charges', form), { replace: true });
  };
  const more = async () => {
    if (!cursor) return;
    const page = await api.get<Page<DecisionLogItem>>('/v1/decisions', { limit: 50, cursor, accountId: applied.accountId, action: applied.action, rulesetVersion: applied.rulesetVersion, kind: applied.kind, since: toIso(applied.since), until: toIso(applied.until) });
    setExtra((x) => [...x, ...page.items]);
    setCursor(page.next);
  };
  const set = (f: keyof Filters) => (e: { target: { value: string } }) => setForm((s) => ({ ...s, [f]: e.target.value }));

  return (
    <>
      <PageHeader title="Charges & decisions" subtitle="Every request a service made, with its outcome, price and the version that priced it. Open a charge to trace it to its rules." />
      <form className="filters" onSubmit={submit} aria-label="Search the decision log">
        <Field label="Account">{(id) => <input id={id} value={form.accountId} onChange={set('accountId')} placeholder="acme" autoComplete="off" />}</Field>
        <Field label="Action">{(id) => <input id={id} value={form.action} onChange={set('action')} placeholder="image.generate" autoComplete="off" />}</Field>
        <Field label="Version">{(id) => <input id={id} value={form.rulesetVersion} onChange={set('rulesetVersion')} placeholder="full version id" autoComplete="off" />}</Field>
        <Field label="Kind">
          {(id) => (
            <select id={id} value={form.kind} onChange={set('kind')}>
              <option value="">all</option>
              <option value="charge">charges</option>
              <option value="quote">quotes</option>
              <option value="hold">holds</option>
              <option value="capture">captures</option>
            </select>
          )}
        </Field>
        <Field label="From (UTC)">{(id) => <input id={id} type="datetime-local" value={form.since} onChange={set('since')} />}</Field>
        <Field label="Until (UTC)">{(id) => <input id={id} type="datetime-local" value={form.until} onChange={set('until')} />}</Field>
        <div className="filter-actions">
          <button type="submit" className="button primary">
            Search
          </button>
          <button type="button" className="button" onClick={() => navigate('/charges', { replace: true })}>
            Clear
          </button>
        </div>
      </form>
      <Load state={first} what="the decision log">
        {(page) => {
          const items = [...page.items, ...extra];
          return items.length === 0 ? (
            <EmptyState title="No decisions match">Change the filters, or wait for services to make requests.</EmptyState>
          ) : (
            <>
              <Table caption="Decisions, newest first">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Account</th>
                    <th scope="col">Action</th>
                    <th scope="col">Outcome</th>
                    <th scope="col" className="num">
                      Credits
                    </th>
                    <th scope="col">Version</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((d) => (
                    <tr key={d.id}>
                      <td className="nowrap small">{when(d.createdAt)}</td>
                      <td>{d.chargeId ? <Link to={`/charges/${d.chargeId}`}>{d.kind}</Link> : d.kind}</td>
                      <td>
                        <Link to={`/accounts/${encodeURIComponent(d.accountId)}`}>{d.accountId}</Link> <span className="muted small">{d.plan}</span>
                      </td>
                      <td>
                        <code>{d.action}</code>
                        <div className="muted small">{params(d.params)}</div>
                      </td>
                      <td>{d.allowed ? <Badge tone="good">allowed</Badge> : <Badge tone="bad" title={d.decision.reasons.map((r) => r.message).join('; ')}>{d.reasons.join(', ') || 'denied'}</Badge>}</td>
                      <td className="num">{cr(d.cost)}</td>
                      <td>
                        <code>{short(d.rulesetVersion)}</code>
                        {d.chargeId ? (
                          <div>
                            <Link to={`/charges/${d.chargeId}`} className="small">
                              Trace charge →
                            </Link>
                          </div>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              {cursor ? (
                <button type="button" className="button" onClick={() => void more()}>
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
