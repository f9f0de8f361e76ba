import { useMemo, useState } from 'react';
import { api } from '../api/client';
import type { GridCell, GridRow, PlanGrid, PriceTable, Version } from '../api/types';
import { cr, short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, navigate, useLocation, withQuery } from '../router';
import { Badge, EmptyState, Field, Load, PageHeader, Panel, TabPanel, Table, Tabs } from '../ui/components';

type Tab = 'customer' | 'grid';

/** The price list of the active version (or any version): as customers see it, and per plan. */
export function PriceList() {
  useTitle('Price list');
  const { query } = useLocation();
  const tab: Tab = query.get('tab') === 'grid' ? 'grid' : 'customer';
  const versions = useLoad((signal) => api.get<Version[]>('/v1/rulesets', undefined, signal), []);
  const chosen = query.get('version');
  const version = chosen ? versions.data?.find((v) => v.version === chosen) : versions.data?.find((v) => v.active);
  const go = (q: { tab?: Tab; version?: string | null }) => navigate(withQuery('/prices', { tab: (q.tab ?? tab) === 'grid' ? 'grid' : undefined, version: q.version === undefined ? chosen : q.version }), { replace: true });

  return (
    <>
      <PageHeader
        title="Price list"
        subtitle={version ? <>Generated from version <code>{short(version.version)}</code>{version.active ? ' (active)' : ''} · published by {version.author} {when(version.createdAt)}</> : 'Generated from the active version'}
        actions={
          versions.data && versions.data.length > 1 ? (
            <Field label="Version">
              {(id) => (
                <select id={id} value={version?.version ?? ''} onChange={(e) => go({ version: versions.data!.find((v) => v.version === e.target.value)?.active ? null : e.target.value })}>
                  {versions.data!.map((v) => (
                    <option key={v.version} value={v.version}>
                      {short(v.version)} {v.active ? '(active)' : ''} · {v.message.slice(0, 40)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null
        }
      />
      <Load state={versions} what="versions">
        {() =>
          version ? (
            <>
              <Tabs<Tab>
                label="Price list views"
                value={tab}
                onChange={(t) => go({ tab: t })}
                tabs={[
                  { key: 'customer', label: 'Customer price list' },
                  { key: 'grid', label: 'Plan grid' },
                ]}
              />
              <TabPanel id={tab}>{tab === 'customer' ? <CustomerTable version={version.version} /> : <Grid version={version.version} />}</TabPanel>
            </>
          ) : (
            <EmptyState title="No version to show">{chosen ? 'That version does not exist.' : 'No version is active yet.'}</EmptyState>
          )
        }
      </Load>
    </>
  );
}

function CustomerTable({ version }: { version: string }) {
  const table = useLoad((signal) => api.get<PriceTable>(`/v1/rulesets/${version}/table`, undefined, signal), [version]);
  return (
    <Load state={table} what="the price list">
      {(t) => (
        <div className="stack">
          <div className="plan-cards">
            {t.plans.map((p) => (
              <div className="plan-card" key={p.id}>
                <h3>{p.name}</h3>
                <p className="big-number">{cr(p.allowance)}</p>
                <p className="muted">per billing cycle{p.assumptions.length ? <sup title="see the notes below">{p.assumptions.join(',')}</sup> : null}</p>
                {p.quotas.length ? (
                  <ul className="plain">
                    {p.quotas.map((q) => (
                      <li key={q.action}>
                        {q.count === 0 ? 'no' : q.count} <code>{q.action}</code> per cycle
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            ))}
          </div>
          {t.groups.map((g) => (
            <Panel title={g.name} key={g.name}>
              <Table caption={`${g.name} prices`} className="price-table">
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col" className="num">
                      Credits
                    </th>
                    <th scope="col">Plans</th>
                    <th scope="col">Notes</th>
                  </tr>
                </thead>
                <tbody>
                  {g.rows.map((r, i) => (
                    <tr key={`${r.action}-${i}`}>
                      <th scope="row">
                        {r.item}
                        {r.assumptions.length ? <sup>{r.assumptions.join(',')}</sup> : null}
                      </th>
                      <td className="num nowrap">{r.credits}</td>
                      <td>{r.plans === 'all plans' ? <span className="muted">all plans</span> : <Badge tone="info">{r.plans}</Badge>}</td>
                      <td className="notes">{r.notes.join('; ')}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </Panel>
          ))}
          {t.free.length ? (
            <Panel title="Free">
              <ul className="plain">
                {t.free.map((f) => (
                  <li key={f.action}>
                    <strong>{f.name}</strong> <span className="muted">— {f.reason}</span>
                  </li>
                ))}
              </ul>
            </Panel>
          ) : null}
          <Panel title="How credits work">
            <ul>
              {t.cycle.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          </Panel>
          {t.assumptions.length ? (
            <Panel title="Notes">
              <ol className="footnotes">
                {t.assumptions.map((a) => (
                  <li key={a.number} value={a.number}>
                    <span className="muted">{a.about}:</span> {a.text}
                  </li>
                ))}
              </ol>
            </Panel>
          ) : null}
        </div>
      )}
    </Load>
  );
}

function cellText(c: GridCell, plans: PlanGrid['plans']): { text: string; why: string } {
  if (c.allowed) return { text: cr(c.cost), why: c.quota !== null ? `${c.quota} per billing cycle` : '' };
  const gate = c.reasons.find((r) => r.code === 'PLAN_REQUIRED' && r.requiredPlan);
  if (gate) return { text: `needs ${plans.find((p) => p.id === gate.requiredPlan)?.name ?? gate.requiredPlan}`, why: gate.message };
  if (c.reasons.some((r) => r.code === 'QUOTA_EXCEEDED')) return { text: 'not included', why: c.reasons.map((r) => r.message).join('; ') };
  return { text: 'not offered', why: c.reasons.map((r) => r.message).join('; ') };
}

function Grid({ version }: { version: string }) {
  const grid = useLoad((signal) => api.get<PlanGrid>(`/v1/rulesets/${version}/grid`, undefined, signal), [version]);
  const [filter, setFilter] = useState('');
  return (
    <Load state={grid} what="the plan grid">
      {(g) => <GridTable grid={g} filter={filter} setFilter={setFilter} />}
    </Load>
  );
}

function GridTable({ grid, filter, setFilter }: { grid: PlanGrid; filter: string; setFilter: (s: string) => void }) {
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? grid.rows.filter((r) => `${r.action} ${r.name} ${r.option ? `${r.option.param} ${String(r.option.value)}` : ''}`.toLowerCase().includes(f)) : grid.rows;
  }, [grid, filter]);
  const byAction = useMemo(() => {
    const m = new Map<string, GridRow[]>();
    for (const r of rows) m.set(r.action, [...(m.get(r.action) ?? []), r]);
    return [...m.values()];
  }, [rows]);
  return (
    <div className="stack">
      <div className="toolbar">
        <Field label="Filter options">
          {(id) => <input id={id} type="search" placeholder="model, flux-pro, video…" value={filter} onChange={(e) => setFilter(e.target.value)} />}
        </Field>
        <p className="muted">
          Every plan × option: the price when allowed, or why not. Decided by the rules with an unlimited balance. <Link to={`/versions?selected=${grid.rulesetVersion}`}>Version {short(grid.rulesetVersion)}</Link>
        </p>
      </div>
      {byAction.length === 0 ? <EmptyState title="No option matches">Try another word.</EmptyState> : null}
      {byAction.length ? (
        <Table caption="Plan grid: every plan and option, allowed or why not" className="grid-table">
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Option</th>
              {grid.plans.map((p) => (
                <th scope="col" key={p.id} className="num">
                  {p.name}
                </th>
              ))}
            </tr>
          </thead>
          {byAction.map((group) => (
            <tbody key={group[0].action}>
              {group.map((r, i) => (
                <tr key={`${r.action}-${i}`}>
                  {i === 0 ? (
                    <th scope="rowgroup" rowSpan={group.length} className="action-cell">
                      {r.name}
                      <br />
                      <code className="muted">{r.action}</code>
                      {r.exempt ? <Badge tone="good">free</Badge> : null}
                      {r.requiresConfirmation ? <Badge tone="warn">asks to confirm</Badge> : null}
                    </th>
                  ) : null}
                  <td>
                    {r.option ? (
                      <>
                        <span className="muted">{r.option.param} =</span> {String(r.option.value)}
                        {r.option.isDefault ? <span className="muted"> (default)</span> : null}
                      </>
                    ) : (
                      <span className="muted">(defaults)</span>
                    )}
                  </td>
                  {r.cells.map((c) => {
                    const { text, why } = cellText(c, grid.plans);
                    return (
                      <td key={c.plan} className={`num cell ${c.allowed ? 'yes' : 'no'}`} title={why || undefined}>
                        <span aria-hidden="true" className="mark">
                          {c.allowed ? '✓' : '✕'}
                        </span>{' '}
                        {text}
                        {c.allowed && c.quota !== null ? <small className="muted"> · {c.quota}/cycle</small> : null}
                        {!c.allowed ? <span className="visually-hidden">: {why}</span> : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          ))}
        </Table>
      ) : null}
    </div>
  );
}
