import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { AccountSummary, Page } from '../api/types';
import { cr, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, navigate, useLocation, withQuery } from '../router';
import { EmptyState, Field, Load, PageHeader, Table } from '../ui/components';

/** Accounts by id: find one, then open it for its balance, grants, ledger and usage. */
export function Accounts() {
  useTitle('Accounts');
  const { query } = useLocation();
  const prefix = query.get('prefix') ?? '';
  const [text, setText] = useState(prefix);
  useEffect(() => setText(prefix), [prefix]);
  const first = useLoad((signal) => api.get<Page<AccountSummary>>('/v1/accounts', { limit: 50, prefix }, signal), [prefix]);
  const [extra, setExtra] = useState<AccountSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  useEffect(() => {
    setExtra([]);
    setCursor(first.data?.next ?? null);
  }, [first.data]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery('/accounts', { prefix: text.trim() }), { replace: true });
  };
  return (
    <>
      <PageHeader title="Accounts" subtitle="Balances, grants, ledgers, usage and quotas of the accounts services charge." />
      <form className="filters" onSubmit={submit} role="search" aria-label="Find accounts">
        <Field label="Account id starts with">{(id) => <input id={id} type="search" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />}</Field>
        <div className="filter-actions">
          <button type="submit" className="button primary">
            Find
          </button>
        </div>
      </form>
      <Load state={first} what="accounts">
        {(page) => {
          const items = [...page.items, ...extra];
          return items.length === 0 ? (
            <EmptyState title={prefix ? `No account id starts with “${prefix}”` : 'No accounts yet'} />
          ) : (
            <>
              <Table caption="Accounts by id">
                <thead>
                  <tr>
                    <th scope="col">Account</th>
                    <th scope="col">Plan</th>
                    <th scope="col" className="num">
                      Balance
                    </th>
                    <th scope="col" className="num">
                      Held
                    </th>
                    <th scope="col">Cycle ends</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id}>
                      <th scope="row">
                        <Link to={`/accounts/${encodeURIComponent(a.id)}`}>{a.id}</Link>
                      </th>
                      <td>
                        {a.plan}
                        {a.pendingPlan ? <span className="muted small"> → {a.pendingPlan} next cycle</span> : null}
                      </td>
                      <td className="num">{cr(a.balance)}</td>
                      <td className="num">{a.held ? cr(a.held) : <span className="muted">—</span>}</td>
                      <td className="small nowrap">{when(a.cycleEnd)}</td>
                      <td className="small nowrap">{when(a.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              {cursor ? (
                <button
                  type="button"
                  className="button"
                  onClick={async () => {
                    const next = await api.get<Page<AccountSummary>>('/v1/accounts', { limit: 50, prefix, cursor });
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
