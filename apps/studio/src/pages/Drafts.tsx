import { useState } from 'react';
import { api, ApiError } from '../api/client';
import type { Draft, DraftSummary, Version } from '../api/types';
import { short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, navigate } from '../router';
import { useCanWrite } from '../session';
import { ConfirmDialog, EmptyState, Field, Load, PageHeader, Table } from '../ui/components';

/** Drafts: rule sets being edited, stored on the service so a PM can come back to them. */
export function Drafts() {
  useTitle('Drafts');
  const canWrite = useCanWrite();
  const drafts = useLoad((signal) => api.get<DraftSummary[]>('/v1/drafts', undefined, signal), []);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Drafts"
        subtitle="Edit the rules of a draft, try prices beside it, then review and publish. Every save is a revision with its author."
        actions={
          canWrite ? (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              New draft
            </button>
          ) : null
        }
      />
      <Load state={drafts} what="drafts">
        {(list) =>
          list.length === 0 ? (
            <EmptyState title="No drafts yet">{canWrite ? 'Start one from the active version with “New draft”.' : 'Admins start drafts; auditors can read them here.'}</EmptyState>
          ) : (
            <Table caption="Drafts, most recently saved first">
              <thead>
                <tr>
                  <th scope="col">Draft</th>
                  <th scope="col">Started from</th>
                  <th scope="col" className="num">
                    Revision
                  </th>
                  <th scope="col">Last saved</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">
                      <Link to={`/drafts/${d.id}`}>{d.name}</Link>
                      <div className="muted small">{d.message}</div>
                    </th>
                    <td>{d.baseVersion ? <code>{short(d.baseVersion)}</code> : <span className="muted">files</span>}</td>
                    <td className="num">{d.revision}</td>
                    <td>
                      {d.updatedBy}
                      <div className="muted small">{when(d.updatedAt)}</div>
                    </td>
                    <td className="row-actions">
                      <Link to={`/drafts/${d.id}/review`} className="button small">
                        Review
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )
        }
      </Load>
      {canWrite ? <NewDraft open={creating} onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function NewDraft({ open, onClose }: { open: boolean; onClose: () => void }) {
  const versions = useLoad((signal) => (open ? api.get<Version[]>('/v1/rulesets', undefined, signal) : Promise.resolve(undefined)), [open]);
  const [name, setName] = useState('');
  const [from, setFrom] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const active = versions.data?.find((v) => v.active);
  const base = from || active?.version || '';
  return (
    <ConfirmDialog
      open={open}
      title="New draft"
      confirmLabel="Start draft"
      busy={busy}
      disabled={!name.trim() || !base}
      error={error}
      onClose={() => {
        setError(null);
        onClose();
      }}
      onConfirm={async () => {
        setBusy(true);
        setError(null);
        try {
          const d = await api.post<Draft>('/v1/drafts', { name: name.trim(), from: base });
          onClose();
          navigate(`/drafts/${d.id}`);
        } catch (e) {
          setError(e instanceof ApiError ? e.detail : String(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>A draft is a copy of a version&apos;s rule files. Nothing changes for customers until you publish and activate it.</p>
      <Field label="Name" hint="What you are changing, e.g. “chat edits at 0.75 cr”.">
        {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} required autoComplete="off" />}
      </Field>
      <Field label="Start from">
        {(id) => (
          <select id={id} value={base} onChange={(e) => setFrom(e.target.value)} disabled={!versions.data}>
            {(versions.data ?? []).map((v) => (
              <option key={v.version} value={v.version}>
                {short(v.version)} {v.active ? '(active)' : ''} · {v.message.slice(0, 50)}
              </option>
            ))}
          </select>
        )}
      </Field>
    </ConfirmDialog>
  );
}
