import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { Catalogue, CatalogueParam, Decision, Version } from '../api/types';
import { cr, signedCr } from '../format';
import { useLoad } from '../hooks';
import { Badge, Field, Panel } from '../ui/components';

/**
 * Prices one request with the draft's files as they are in the editor (saved or not), beside the
 * active version's price for the same request: what `ratecard quote` does, in the browser.
 */
export function QuotePlayground({ files, catalogue, valid }: { files: ReadonlyMap<string, string>; catalogue: Catalogue | null; valid: boolean }) {
  const [plan, setPlan] = useState('');
  const [action, setAction] = useState('');
  const [params, setParams] = useState<Record<string, string>>({});
  const [balance, setBalance] = useState('');
  const [result, setResult] = useState<{ draft: Decision; active: Decision | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const versions = useLoad((signal) => api.get<Version[]>('/v1/rulesets', undefined, signal), []);
  const active = versions.data?.find((v) => v.active)?.version;

  useEffect(() => {
    if (!catalogue) return;
    if (!catalogue.plans.some((p) => p.id === plan)) setPlan(catalogue.plans[0]?.id ?? '');
    if (!catalogue.actions.some((a) => a.id === action)) setAction(catalogue.actions[0]?.id ?? '');
  }, [catalogue, plan, action]);

  const declared: readonly CatalogueParam[] = useMemo(() => catalogue?.actions.find((a) => a.id === action)?.params ?? [], [catalogue, action]);

  const typed = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const p of declared) {
      const raw = params[`${action}.${p.name}`];
      if (raw === undefined || raw === '') continue;
      out[p.name] = p.type === 'integer' || p.type === 'number' ? Number(raw) : p.type === 'boolean' ? raw === 'true' : raw;
    }
    return out;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const ruleFiles = [...files].filter(([p]) => !/\.test\.ya?ml$/i.test(p)).map(([path, text]) => ({ path, text }));
      const body = { plan, action, params: typed(), confirm: true, ...(balance.trim() ? { balance: Number(balance) } : {}) };
      const [draft, activeDecision] = await Promise.all([
        api.post<Decision>('/v1/rulesets/quote', { ...body, files: ruleFiles }),
        active ? api.post<Decision>('/v1/rulesets/quote', { ...body, version: active }).catch(() => null) : Promise.resolve(null),
      ]);
      setResult({ draft, active: activeDecision });
    } catch (err) {
      setResult(null);
      setError(err instanceof ApiError ? err.detail : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title="Quote playground">
      {!catalogue ? (
        <p className="muted">{valid ? 'Loading…' : 'Fix the errors to try prices: the playground prices with the draft as it is in the editor.'}</p>
      ) : (
        <form onSubmit={submit} className="playground" aria-label="Quote a request with the draft">
          <Field label="Plan">
            {(id) => (
              <select id={id} value={plan} onChange={(e) => setPlan(e.target.value)}>
                {catalogue.plans.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Action">
            {(id) => (
              <select id={id} value={action} onChange={(e) => setAction(e.target.value)}>
                {catalogue.actions.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.id})
                  </option>
                ))}
              </select>
            )}
          </Field>
          {declared.map((p) => (
            <Field key={`${action}.${p.name}`} label={`${p.name}${p.unit ? ` (${p.unit})` : ''}`} hint={p.default !== undefined ? `default ${String(p.default)}` : 'required'}>
              {(id) =>
                p.values || p.type === 'boolean' ? (
                  <select id={id} value={params[`${action}.${p.name}`] ?? ''} onChange={(e) => setParams((s) => ({ ...s, [`${action}.${p.name}`]: e.target.value }))}>
                    <option value="">(default)</option>
                    {(p.values ?? [false, true]).map((v) => (
                      <option key={String(v)} value={String(v)}>
                        {String(v)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input id={id} inputMode={p.type === 'string' ? 'text' : 'decimal'} value={params[`${action}.${p.name}`] ?? ''} placeholder={p.default !== undefined ? String(p.default) : ''} onChange={(e) => setParams((s) => ({ ...s, [`${action}.${p.name}`]: e.target.value }))} />
                )
              }
            </Field>
          ))}
          <Field label="Balance (credits)" hint="the plan's allowance when empty">
            {(id) => <input id={id} inputMode="decimal" value={balance} onChange={(e) => setBalance(e.target.value)} />}
          </Field>
          <button type="submit" className="button primary" disabled={busy || !plan || !action} aria-busy={busy}>
            {busy ? 'Pricing…' : 'Quote'}
          </button>
        </form>
      )}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      {result ? <QuoteResult draft={result.draft} active={result.active} /> : null}
    </Panel>
  );
}

function QuoteResult({ draft, active }: { draft: Decision; active: Decision | null }) {
  const delta = active ? draft.cost - active.cost : 0;
  return (
    <div className="quote-result" role="status" aria-live="polite" data-testid="quote-result">
      <p className="quote-total">
        {draft.allowed ? <Badge tone="good">allowed</Badge> : <Badge tone="bad">denied</Badge>} <strong>{cr(draft.cost)}</strong>
        {active ? <span className="muted"> · active version {cr(active.cost)}{delta !== 0 ? ` (${signedCr(delta)})` : ''}</span> : null}
      </p>
      {draft.breakdown.length ? (
        <ul className="receipt">
          {draft.breakdown.map((b, i) => (
            <li key={i}>
              <span>{b.label}</span>
              <span className="num">{cr(b.credits)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {draft.reasons.length ? (
        <ul className="reasons">
          {draft.reasons.map((r, i) => (
            <li key={i}>
              <code>{r.code}</code> {r.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
