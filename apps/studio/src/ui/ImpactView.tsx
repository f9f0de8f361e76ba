import type { ImpactGroup, ImpactReport } from '../api/types';
import { cr, signedCr, when } from '../format';
import { Link } from '../router';
import { Table } from './components';

function GroupTable({ caption, groups, keyLabel }: { caption: string; groups: readonly ImpactGroup[]; keyLabel: string }) {
  return (
    <Table caption={caption}>
      <thead>
        <tr>
          <th scope="col">{keyLabel}</th>
          <th scope="col" className="num">
            Requests
          </th>
          <th scope="col" className="num">
            Newly denied
          </th>
          <th scope="col" className="num">
            Newly allowed
          </th>
          <th scope="col" className="num">
            Repriced
          </th>
          <th scope="col" className="num">
            Credits before → after
          </th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={g.key}>
            <th scope="row">
              <code>{g.key}</code>
            </th>
            <td className="num">{g.requests}</td>
            <td className="num">{g.newlyDenied}</td>
            <td className="num">{g.newlyAllowed}</td>
            <td className="num">{g.repriced}</td>
            <td className="num nowrap">
              {cr(g.chargedBefore)} → {cr(g.chargedAfter)} <span className="muted">({signedCr(g.chargedAfter - g.chargedBefore)})</span>
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** What the candidate would have done to the window's logged requests. */
export function ImpactView({ report }: { report: ImpactReport }) {
  const delta = report.chargedAfter - report.chargedBefore;
  return (
    <div className="stack" data-testid="impact">
      <div className="stats">
        <div className="stat">
          <span className="stat-label">Requests replayed</span>
          <span className="stat-value">{report.requests}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Outcome changes</span>
          <span className="stat-value">{report.changedOutcome}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Repriced</span>
          <span className="stat-value">{report.repriced}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Credits charged</span>
          <span className="stat-value">
            {cr(report.chargedBefore)} → {cr(report.chargedAfter)}
          </span>
          <span className={`stat-delta ${delta > 0 ? 'up' : delta < 0 ? 'down' : ''}`}>{signedCr(delta)}</span>
        </div>
      </div>
      <p className="muted small">
        Logged decisions from {when(report.window.since)} to {when(report.window.until)}, decided again under the candidate with the balance and usage each one saw. Nothing is written.
      </p>
      {report.requests ? (
        <>
          <GroupTable caption="Impact by action" groups={report.byAction} keyLabel="Action" />
          <GroupTable caption="Impact by plan" groups={report.byPlan} keyLabel="Plan" />
        </>
      ) : null}
      {report.newlyDeniedAccounts.length ? (
        <div className="callout bad">
          <strong>{report.newlyDeniedAccounts.length} account(s) would newly be denied:</strong>{' '}
          {report.newlyDeniedAccounts.map((a, i) => (
            <span key={a.accountId}>
              {i ? ', ' : ''}
              <Link to={`/accounts/${encodeURIComponent(a.accountId)}`}>{a.accountId}</Link> ({a.requests})
            </span>
          ))}
        </div>
      ) : (
        <p className="ok-text">No account would newly be denied.</p>
      )}
    </div>
  );
}
