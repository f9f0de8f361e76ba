import { api } from '../api/client';
import { capabilities } from '../api/capabilities';
import type { Account, Grant, Page } from '../api/types';
import { cr, when } from '../format';
import { useLoad } from '../hooks';
import { Badge, EmptyState, Load, NotAvailable, Table } from '../ui/components';

/**
 * An account's credit grants with their expiry (ledger v2, built in parallel): from
 * `GET /v1/accounts/{id}/grants` when the service has it, or the `grants` the account carries;
 * "not available" until then.
 */
export function GrantsPanel({ account }: { account: Account }) {
  const caps = useLoad(() => capabilities(), []);
  const routed = useLoad(
    (signal) => (caps.data?.grants ? api.get<Page<Grant> | Grant[]>(`/v1/accounts/${encodeURIComponent(account.id)}/grants`, { limit: 100 }, signal) : Promise.resolve(null)),
    [account.id, caps.data?.grants],
  );
  if (!caps.data) return <p className="muted">Checking what this service offers…</p>;
  if (caps.data.grants) return <Load state={routed} what="grants">{(g) => <GrantsTable grants={g === null ? [] : Array.isArray(g) ? g : g.items} />}</Load>;
  if (account.grants) return <GrantsTable grants={account.grants} />;
  return <NotAvailable feature="Credit grants with expiry" detail="This service's ledger does not list grants yet (ledger v2 adds them). The balance above is the sum of the ledger entries below." />;
}

function GrantsTable({ grants }: { grants: readonly Grant[] }) {
  if (grants.length === 0) return <EmptyState title="No live grants" />;
  return (
    <Table caption="Live credit grants, in the order they are spent">
      <thead>
        <tr>
          <th scope="col">Grant</th>
          <th scope="col">Source</th>
          <th scope="col" className="num">
            Remaining of
          </th>
          <th scope="col">Expires</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {[...grants]
          .sort((a, b) => a.priority - b.priority)
          .map((g) => (
            <tr key={g.id}>
              <td>
                <code>{g.id}</code>
              </td>
              <td>
                <Badge>{g.source}</Badge>
              </td>
              <td className="num">
                {cr(g.remaining)} <span className="muted">/ {cr(g.amount)}</span>
              </td>
              <td className="small">{g.expiresAt ? when(g.expiresAt) : <span className="muted">never</span>}</td>
              <td className="small">{g.reason}</td>
            </tr>
          ))}
      </tbody>
    </Table>
  );
}
