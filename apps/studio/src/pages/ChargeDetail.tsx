import { useState } from 'react';
import { api } from '../api/client';
import type { Charge, DecisionLogItem, LedgerEntry, Page, RuleLocation, VersionDetail } from '../api/types';
import { cr, params, short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link } from '../router';
import { Badge, EmptyState, Load, NotAvailable, PageHeader, Panel, SourceView, Table } from '../ui/components';

/**
 * A charge traced end to end: the request, the decision and its receipt lines, the ledger entries
 * (and the grants that paid, with ledger v2), and each receipt line's rule highlighted at its
 * file:line in the files of the version that priced it.
 */
export function ChargeDetail({ chargeId }: { chargeId: string }) {
  useTitle(`Charge ${chargeId}`);
  const charge = useLoad((signal) => api.get<Charge>(`/v1/charges/${encodeURIComponent(chargeId)}`, undefined, signal), [chargeId]);
  return <Load state={charge} what="the charge">{(c) => <Trace charge={c} />}</Load>;
}

function Trace({ charge }: { charge: Charge }) {
  const log = useLoad((signal) => api.get<Page<DecisionLogItem>>('/v1/decisions', { chargeId: charge.id, limit: 5 }, signal), [charge.id]);
  const entries = useLoad((signal) => api.get<LedgerEntry[]>(`/v1/charges/${charge.id}/entries`, undefined, signal), [charge.id]);
  const rules = useLoad((signal) => api.get<{ version: string; rules: RuleLocation[] }>(`/v1/rulesets/${charge.rulesetVersion}/rules`, undefined, signal), [charge.rulesetVersion]);
  const version = useLoad((signal) => api.get<VersionDetail>(`/v1/rulesets/${charge.rulesetVersion}`, undefined, signal), [charge.rulesetVersion]);
  const [selected, setSelected] = useState(0);
  const decision = log.data?.items.find((d) => d.kind === 'charge' || d.kind === 'capture') ?? log.data?.items[0];
  const lines = decision?.decision.breakdown ?? [];
  const rule = lines[selected]?.rule;
  const at = rule ? rules.data?.rules.find((r) => r.rule === rule)?.location : undefined;
  const source = at ? version.data?.sources.find((f) => f.path === at.file) : undefined;
  const allocations = (entries.data ?? []).flatMap((e) => (e.allocations ?? []).map((a) => ({ ...a, entry: e.id })));
  const hasAllocations = (entries.data ?? []).some((e) => Array.isArray(e.allocations));

  return (
    <>
      <PageHeader
        title={`Charge ${charge.id}`}
        subtitle={
          <>
            {cr(charge.cost)} for <code>{charge.action}</code> on <Link to={`/accounts/${encodeURIComponent(charge.accountId)}`}>{charge.accountId}</Link> · {when(charge.createdAt)} · priced by version <code>{short(charge.rulesetVersion)}</code>
          </>
        }
      />
      <div className="two-col">
        <Panel title="Request">
          <dl className="facts">
            <div>
              <dt>Account</dt>
              <dd>
                <Link to={`/accounts/${encodeURIComponent(charge.accountId)}`}>{charge.accountId}</Link>
                {decision ? <span className="muted"> · {decision.plan} plan</span> : null}
              </dd>
            </div>
            <div>
              <dt>Action</dt>
              <dd>
                <code>{charge.action}</code>
              </dd>
            </div>
            <div>
              <dt>Parameters</dt>
              <dd>{params(charge.params)}</dd>
            </div>
            <div>
              <dt>Balance before</dt>
              <dd>{decision ? cr(decision.balanceMillicredits / 1000) : '…'}</dd>
            </div>
            <div>
              <dt>Key</dt>
              <dd>
                {decision?.apiKeyName ? <>{decision.apiKeyName} </> : null}
                <code className="muted">{decision?.apiKeyId ?? '—'}</code>
              </dd>
            </div>
            {charge.holdId ? (
              <div>
                <dt>Hold</dt>
                <dd>
                  <code>{charge.holdId}</code>
                </dd>
              </div>
            ) : null}
            {charge.refunded ? (
              <div>
                <dt>Refunded</dt>
                <dd>{cr(charge.refunded)}</dd>
              </div>
            ) : null}
          </dl>
        </Panel>
        <Panel title="Decision and receipt">
          <Load state={log} what="the decision">
            {() =>
              !decision ? (
                <EmptyState title="No decision logged for this charge" />
              ) : (
                <>
                  <p>
                    {decision.decision.allowed ? <Badge tone="good">allowed</Badge> : <Badge tone="bad">denied</Badge>} <strong>{cr(decision.decision.cost)}</strong> <span className="muted">· version {short(decision.rulesetVersion)}</span>
                  </p>
                  <ol className="receipt selectable" aria-label="Receipt lines; choose one to see its rule">
                    {lines.map((b, i) => {
                      const loc = rules.data?.rules.find((r) => r.rule === b.rule)?.location;
                      return (
                        <li key={i}>
                          <button type="button" className={`receipt-line ${i === selected ? 'selected' : ''}`} aria-pressed={i === selected} onClick={() => setSelected(i)}>
                            <span className="receipt-label">{b.label}</span>
                            <span className="num">{cr(b.credits)}</span>
                            <span className="receipt-rule">
                              <code>{b.rule}</code>
                              {loc ? <span className="muted"> at {`${loc.file}:${loc.line}`}</span> : null}
                            </span>
                          </button>
                        </li>
                      );
                    })}
                  </ol>
                </>
              )
            }
          </Load>
        </Panel>
      </div>

      <Panel title={rule ? `Rule ${rule}` : 'Rule'}>
        {rules.error ? (
          <Load state={rules} what="the rule locations">
            {() => null}
          </Load>
        ) : !at || !source ? (
          <p className="muted">{lines.length ? 'Finding the rule in the version’s files…' : 'This charge has no receipt lines.'}</p>
        ) : (
          <>
            <p className="muted small">
              As written in version <code>{short(charge.rulesetVersion)}</code>, published by {version.data?.author} {when(version.data?.createdAt)}: “{version.data?.message}”.
            </p>
            <SourceView file={at.file} text={source.text} line={at.line} label={`${at.file} of version ${short(charge.rulesetVersion)}, line ${at.line} highlighted: the rule ${rule}`} />
          </>
        )}
      </Panel>

      <Panel title="Ledger entries">
        <Load state={entries} what="the ledger entries">
          {(list) =>
            list.length === 0 ? (
              <EmptyState title="No ledger entry">A free action moves no credits.</EmptyState>
            ) : (
              <Table caption="Ledger entries of the charge">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Entry
                    </th>
                    <th scope="col">Kind</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                    <th scope="col" className="num">
                      Balance after
                    </th>
                    <th scope="col">Reason</th>
                    <th scope="col">Time</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((e) => (
                    <tr key={e.id}>
                      <td className="num">{e.id}</td>
                      <td>{e.kind}</td>
                      <td className={`num ${e.amount > 0 ? 'credit' : ''}`}>{cr(e.amount)}</td>
                      <td className="num">{cr(e.balanceAfter)}</td>
                      <td className="small">{e.reason}</td>
                      <td className="small nowrap">{when(e.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )
          }
        </Load>
      </Panel>

      <Panel title="Grants that paid">
        {hasAllocations ? (
          allocations.length ? (
            <Table caption="Credit grants that paid the charge">
              <thead>
                <tr>
                  <th scope="col">Grant</th>
                  <th scope="col" className="num">
                    Paid
                  </th>
                  <th scope="col" className="num">
                    Entry
                  </th>
                </tr>
              </thead>
              <tbody>
                {allocations.map((a, i) => (
                  <tr key={i}>
                    <td>
                      <code>{a.grantId}</code>
                    </td>
                    <td className="num">{cr(a.amount)}</td>
                    <td className="num">{a.entry}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          ) : (
            <p className="muted">No grant paid for this charge (it was free).</p>
          )
        ) : (
          <NotAvailable feature="Which grants paid" detail="This service's ledger entries do not carry grant allocations yet (ledger v2 adds them); the entries above show the debit." />
        )}
      </Panel>
    </>
  );
}
