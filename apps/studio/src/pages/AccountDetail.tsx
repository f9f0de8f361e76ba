import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Account, LedgerEntry, Page, PriceTable, Version } from '../api/types';
import { GrantsPanel } from '../features/grants';
import { cr, day, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, withQuery } from '../router';
import { useCanWrite } from '../session';
import { Badge, ConfirmDialog, EmptyState, Field, Load, PageHeader, Panel, Table } from '../ui/components';

/** One account: balance, grants with expiry, ledger, usage and quotas; admins grant credits and change the plan. */
export function AccountDetail({ accountId }: { accountId: string }) {
  useTitle(`Account ${accountId}`);
  const account = useLoad((signal) => api.get<Account>(`/v1/accounts/${encodeURIComponent(accountId)}`, undefined, signal), [accountId]);
  return <Load state={account} what="the account">{(a) => <AccountView account={a} reload={account.reload} />}</Load>;
}

function AccountView({ account, reload }: { account: Account; reload: () => void }) {
  const canWrite = useCanWrite();
  const [dialog, setDialog] = useState<'grant' | 'plan' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [ledgerTick, setLedgerTick] = useState(0);
  return (
    <>
      <PageHeader
        title={account.id}
        subtitle={
          <>
            {account.planName} plan{account.pendingPlan ? ` (→ ${account.pendingPlan} at the next billing date)` : ''} · billing day {account.billingAnchor} · since {when(account.createdAt)}
          </>
        }
        actions={
          canWrite ? (
            <>
              <button type="button" className="button" onClick={() => setDialog('grant')}>
                Grant credits…
              </button>
              <button type="button" className="button" onClick={() => setDialog('plan')}>
                Change plan…
              </button>
            </>
          ) : null
        }
      />
      {note ? (
        <div className="callout good" role="status">
          {note}
        </div>
      ) : null}
      <div className="stats">
        <div className="stat">
          <span className="stat-label">Spendable balance</span>
          <span className="stat-value" data-testid="balance">
            {cr(account.balance)}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Held by active holds</span>
          <span className="stat-value">{cr(account.held)}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Allowance per cycle</span>
          <span className="stat-value">{cr(account.allowance.credits)}</span>
          {account.allowance.assumed ? <span className="stat-delta" title={account.allowance.assumption}>assumed value</span> : null}
        </div>
        <div className="stat">
          <span className="stat-label">This cycle</span>
          <span className="stat-value small-value">
            {day(account.cycle.start)} → {day(account.cycle.end)}
          </span>
        </div>
      </div>
      <div className="two-col">
        <Panel title="Usage and quotas this cycle">
          {account.usage.length === 0 ? (
            <EmptyState title="No metered usage yet" />
          ) : (
            <Table caption="Usage and quotas">
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col" className="num">
                    Used
                  </th>
                  <th scope="col" className="num">
                    Quota
                  </th>
                  <th scope="col" className="num">
                    Left
                  </th>
                </tr>
              </thead>
              <tbody>
                {account.usage.map((u) => (
                  <tr key={u.action}>
                    <td>
                      <code>{u.action}</code>
                    </td>
                    <td className="num">{u.used}</td>
                    <td className="num">{u.quota ?? <span className="muted">unlimited</span>}</td>
                    <td className="num">{u.left === null ? <span className="muted">—</span> : u.left === 0 ? <Badge tone="bad">0</Badge> : u.left}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Panel>
        <Panel title="Credit grants">
          <GrantsPanel account={account} />
        </Panel>
      </div>
      <Panel
        title="Ledger"
        actions={
          <Link className="button small" to={withQuery('/charges', { accountId: account.id })}>
            Decisions of this account
          </Link>
        }
      >
        <LedgerTable accountId={account.id} tick={ledgerTick} />
      </Panel>
      {canWrite ? (
        <>
          <GrantDialog
            account={account}
            open={dialog === 'grant'}
            onClose={() => setDialog(null)}
            onDone={(a, amount) => {
              setNote(`Granted ${cr(amount)}: the balance is now ${cr(a.balance)}.`);
              reload();
              setLedgerTick((t) => t + 1);
            }}
          />
          <PlanDialog
            account={account}
            open={dialog === 'plan'}
            onClose={() => setDialog(null)}
            onDone={(text) => {
              setNote(text);
              reload();
              setLedgerTick((t) => t + 1);
            }}
          />
        </>
      ) : null}
    </>
  );
}

function LedgerTable({ accountId, tick }: { accountId: string; tick: number }) {
  const first = useLoad((signal) => api.get<Page<LedgerEntry, number>>(`/v1/accounts/${encodeURIComponent(accountId)}/ledger`, { limit: 25 }, signal), [accountId, tick]);
  const [extra, setExtra] = useState<LedgerEntry[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  useEffect(() => {
    setExtra([]);
    setCursor(first.data?.next ?? null);
  }, [first.data]);
  return (
    <Load state={first} what="the ledger">
      {(page) => {
        const items = [...page.items, ...extra];
        return items.length === 0 ? (
          <EmptyState title="No ledger entries" />
        ) : (
          <>
            <Table caption="Ledger entries, newest first">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Entry
                  </th>
                  <th scope="col">Time</th>
                  <th scope="col">Kind</th>
                  <th scope="col">What</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Balance after
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td className="num">{e.id}</td>
                    <td className="small nowrap">{when(e.createdAt)}</td>
                    <td>{e.kind}</td>
                    <td className="small">
                      {e.chargeId ? <Link to={`/charges/${e.chargeId}`}>{e.action ?? e.chargeId}</Link> : e.action ? <code>{e.action}</code> : null} {e.reason}
                    </td>
                    <td className={`num ${e.amount > 0 ? 'credit' : ''}`}>{cr(e.amount)}</td>
                    <td className="num">{cr(e.balanceAfter)}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
            {cursor !== null ? (
              <button
                type="button"
                className="button"
                onClick={async () => {
                  const next = await api.get<Page<LedgerEntry, number>>(`/v1/accounts/${encodeURIComponent(accountId)}/ledger`, { limit: 25, cursor });
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
  );
}

function GrantDialog({ account, open, onClose, onDone }: { account: Account; open: boolean; onClose: () => void; onDone: (a: Account, amount: number) => void }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const n = Number(amount);
  const valid = amount.trim() !== '' && Number.isFinite(n) && n > 0 && reason.trim() !== '';
  return (
    <ConfirmDialog
      open={open}
      title={`Grant credits to ${account.id}`}
      confirmLabel={valid ? `Grant ${cr(n)}` : 'Grant'}
      busy={busy}
      disabled={!valid}
      error={error}
      onClose={() => {
        setError(null);
        onClose();
      }}
      onConfirm={async () => {
        setBusy(true);
        setError(null);
        try {
          const a = await api.post<Account>(`/v1/accounts/${encodeURIComponent(account.id)}/grants`, { amount: n, reason: reason.trim() });
          onDone(a, n);
          setAmount('');
          setReason('');
          onClose();
        } catch (e) {
          setError(e instanceof ApiError ? e.detail : String(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>
        Adds a grant entry to the ledger, recorded in the audit trail with your key. The balance goes from <strong>{cr(account.balance)}</strong> to <strong>{valid ? cr(Math.round((account.balance + n) * 1000) / 1000) : '…'}</strong>.
      </p>
      <Field label="Credits" hint="At most three decimals.">
        {(id) => <input id={id} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} required />}
      </Field>
      <Field label="Reason" hint="Shown in the ledger, e.g. “goodwill for ticket 4521”.">
        {(id) => <input id={id} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} required />}
      </Field>
    </ConfirmDialog>
  );
}

function PlanDialog({ account, open, onClose, onDone }: { account: Account; open: boolean; onClose: () => void; onDone: (text: string) => void }) {
  const versions = useLoad((signal) => (open ? api.get<Version[]>('/v1/rulesets', undefined, signal) : Promise.resolve(undefined)), [open]);
  const active = versions.data?.find((v) => v.active)?.version;
  const table = useLoad((signal) => (active ? api.get<PriceTable>(`/v1/rulesets/${active}/table`, undefined, signal) : Promise.resolve(undefined)), [active]);
  const plans = table.data?.plans ?? [];
  const [plan, setPlan] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const from = plans.findIndex((p) => p.id === account.plan);
  const to = plans.findIndex((p) => p.id === plan);
  const target = plans[to];
  const what =
    !target || plan === account.plan
      ? 'Choose the new plan.'
      : to > from
        ? `An upgrade applies now: unused credits carry over and the ${target.name} allowance of ${cr(target.allowance)} is granted for this cycle (once per plan per cycle).`
        : `A downgrade applies at the next billing date (${when(account.cycle.end)}); until then the account keeps ${account.planName}.`;
  return (
    <ConfirmDialog
      open={open}
      title={`Change the plan of ${account.id}`}
      confirmLabel={target && plan !== account.plan ? `Move to ${target.name}` : 'Change plan'}
      busy={busy}
      disabled={!target || plan === account.plan}
      error={error}
      onClose={() => {
        setError(null);
        onClose();
      }}
      onConfirm={async () => {
        setBusy(true);
        setError(null);
        try {
          await api.post(`/v1/accounts/${encodeURIComponent(account.id)}/plan`, { plan });
          onDone(to > from ? `Upgraded to ${target!.name}.` : `Downgrade to ${target!.name} scheduled for ${when(account.cycle.end)}.`);
          onClose();
        } catch (e) {
          setError(e instanceof ApiError ? e.detail : String(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      <Field label="New plan">
        {(id) => (
          <select id={id} value={plan} onChange={(e) => setPlan(e.target.value)} disabled={!plans.length}>
            <option value="">choose…</option>
            {plans.map((p) => (
              <option key={p.id} value={p.id} disabled={p.id === account.plan}>
                {p.name} · {cr(p.allowance)} per cycle{p.id === account.plan ? ' (current)' : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
      <p role="status">{what}</p>
    </ConfirmDialog>
  );
}
