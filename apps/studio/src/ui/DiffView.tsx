import { useState } from 'react';
import type { CellChange, CellOutcome, RuleSetDiff } from '../api/types';
import { cr, params } from '../format';
import { Badge, EmptyState, Table } from './components';

const DIRECTION_TONE = { tightened: 'bad', loosened: 'good', neutral: 'neutral' } as const;

function outcome(o: CellOutcome | null): string {
  if (!o) return '—';
  return o.allowed ? cr(o.cost) : `denied (${cr(o.cost)})`;
}

/** Plain-words lines the service may add to a diff (who pays more, who gains access…), shown first when present. */
function summaryLines(diff: RuleSetDiff): string[] {
  const s = diff.summary;
  if (typeof s === 'string') return [s];
  if (Array.isArray(s)) return s.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * A rule-set diff as a PM reads it: the changes in words with where each is written on both sides,
 * then every plan × action × parameter price or outcome that changed.
 */
export function DiffView({ diff, fromLabel, toLabel }: { diff: RuleSetDiff; fromLabel: string; toLabel: string }) {
  const [allCells, setAllCells] = useState(false);
  if (diff.identical) return <EmptyState title="No changes">The two rule sets mean the same: formatting, comments and key order do not count.</EmptyState>;
  const cells = allCells ? diff.cells : diff.cells.slice(0, 60);
  const summary = summaryLines(diff);
  return (
    <div className="stack" data-testid="diff">
      {summary.length ? (
        <ul className="summary-lines">
          {summary.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      ) : null}
      <h3 className="small-heading">
        {diff.rules.length} rule change{diff.rules.length === 1 ? '' : 's'}
      </h3>
      {diff.rules.length ? (
        <ul className="changes">
          {diff.rules.map((r, i) => (
            <li key={i}>
              <Badge tone={DIRECTION_TONE[r.direction]}>{r.kind}</Badge> <span className="change-summary">{r.summary}</span>
              <div className="muted small">
                {r.before ? <code>{`${fromLabel}: ${r.before.file}:${r.before.line}`}</code> : <span>(new)</span>} → {r.after ? <code>{`${toLabel}: ${r.after.file}:${r.after.line}`}</code> : <span>(removed)</span>}
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No rule-level change (only cells differ).</p>
      )}
      <h3 className="small-heading">
        {diff.cells.length} of {diff.cellsCompared} plan × action × parameter cells changed
      </h3>
      {diff.cells.length ? (
        <>
          <Table caption="Cells whose price or outcome changed">
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Plan</th>
                <th scope="col">Parameters</th>
                <th scope="col" className="num">
                  Before
                </th>
                <th scope="col" className="num">
                  After
                </th>
              </tr>
            </thead>
            <tbody>
              {cells.map((c: CellChange, i) => (
                <tr key={i}>
                  <td>
                    <code>{c.action}</code>
                  </td>
                  <td>{c.plan}</td>
                  <td className="muted">{params(c.params)}</td>
                  <td className="num">{outcome(c.before)}</td>
                  <td className={`num ${c.after && c.before && c.after.cost > c.before.cost ? 'up' : c.after && c.before && c.after.cost < c.before.cost ? 'down' : ''}`}>{outcome(c.after)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
          {diff.cells.length > cells.length ? (
            <button type="button" className="button small" onClick={() => setAllCells(true)}>
              Show all {diff.cells.length} cells
            </button>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
