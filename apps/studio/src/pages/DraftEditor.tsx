import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EditorView } from '@codemirror/view';
import { api, ApiError } from '../api/client';
import type { Diagnostic, Draft, SourceFile, ValidationWithCatalogue } from '../api/types';
import { createYamlEditor } from '../editor/yaml-editor';
import { count, short, when } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Link, setLeaveGuard, useLocation } from '../router';
import { useCanWrite } from '../session';
import { Badge, EmptyState, Load, PageHeader, Panel } from '../ui/components';
import { QuotePlayground } from './QuotePlayground';

/** A draft's rule files in the YAML editor, diagnostics as you type, and a quote playground beside it. */
export default function DraftEditor({ draftId }: { draftId: string }) {
  const { query } = useLocation();
  const revision = query.get('revision');
  const draft = useLoad((signal) => api.get<Draft>(`/v1/drafts/${draftId}`, revision ? { revision } : undefined, signal), [draftId, revision]);
  useTitle(draft.data ? draft.data.name : 'Draft');
  return <Load state={draft} what="the draft">{(d) => <Editor key={`${d.id}-${d.shownRevision}`} initial={d} reload={draft.reload} />}</Load>;
}

function Editor({ initial, reload }: { initial: Draft; reload: () => void }) {
  const canWrite = useCanWrite();
  const old = initial.shownRevision !== initial.revision;
  const readOnly = !canWrite || old;
  const [saved, setSaved] = useState<Draft>(initial);
  const [files, setFiles] = useState<Map<string, string>>(() => new Map(initial.files.map((f) => [f.path, f.text])));
  const paths = useMemo(() => [...files.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)), [files]);
  const [current, setCurrent] = useState<string>(() => paths.find((p) => !p.includes('.test.')) ?? paths[0]);
  const [validation, setValidation] = useState<ValidationWithCatalogue | null>(null);
  const [validating, setValidating] = useState(false);
  const [message, setMessage] = useState('');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const filesRef = useRef(files);
  filesRef.current = files;
  const currentRef = useRef(current);
  currentRef.current = current;
  const inflight = useRef<AbortController | null>(null);

  const changed = useMemo(() => [...files].filter(([p, t]) => saved.files.find((f) => f.path === p)?.text !== t).map(([p]) => p), [files, saved]);
  const dirty = changed.length > 0;

  useEffect(() => {
    setLeaveGuard(dirty ? () => window.confirm('This draft has unsaved changes. Leave without saving?') : null);
    const onUnload = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', onUnload);
    return () => {
      setLeaveGuard(null);
      window.removeEventListener('beforeunload', onUnload);
    };
  }, [dirty]);

  /** Validates every file (the current one with `text`) and returns the current file's diagnostics. */
  const lint = useCallback(async (text: string): Promise<readonly Diagnostic[]> => {
    const path = currentRef.current;
    const all: SourceFile[] = [...filesRef.current].map(([p, t]) => ({ path: p, text: p === path ? text : t }));
    inflight.current?.abort();
    const controller = new AbortController();
    inflight.current = controller;
    setValidating(true);
    try {
      const v = await api.post<ValidationWithCatalogue>('/v1/rulesets/validate', { files: all }, controller.signal);
      setValidation(v);
      return v.diagnostics.filter((d) => d.location?.file === path);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return [];
      throw e;
    } finally {
      if (inflight.current === controller) setValidating(false);
    }
  }, []);

  const save = useCallback(async () => {
    if (readOnly) return;
    const now = filesRef.current;
    const changedFiles = [...now].filter(([p, t]) => saved.files.find((f) => f.path === p)?.text !== t).map(([path, text]) => ({ path, text }));
    if (!changedFiles.length) {
      setSavedNote('Nothing to save');
      return;
    }
    setSaving(true);
    setSaveError(null);
    try {
      const next = await api.post<Draft & { created: boolean }>(`/v1/drafts/${saved.id}/revisions`, { baseRevision: saved.revision, files: changedFiles, ...(message.trim() ? { message: message.trim() } : {}) });
      setSaved(next);
      setMessage('');
      setSavedNote(`Saved revision ${next.revision}`);
    } catch (e) {
      setSaveError(e instanceof ApiError ? (e.code === 'DRAFT_CONFLICT' ? `${e.detail}. Copy your change, reload, and apply it again.` : e.detail) : String(e));
    } finally {
      setSaving(false);
    }
  }, [readOnly, saved, message]);
  const saveRef = useRef(save);
  saveRef.current = save;

  // One editor per open file; switching files keeps each file's text in `files`.
  useEffect(() => {
    if (!host.current) return;
    const v = createYamlEditor({
      parent: host.current,
      text: filesRef.current.get(current) ?? '',
      file: () => currentRef.current,
      readOnly,
      onChange: (text) => {
        setSavedNote(null);
        setFiles((f) => new Map(f).set(currentRef.current, text));
      },
      lint,
      onSave: () => void saveRef.current(),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, [current, readOnly, lint]);

  const errorsByFile = useMemo(() => {
    const m = new Map<string, number>();
    for (const d of validation?.diagnostics ?? []) if (d.severity === 'error' && d.location) m.set(d.location.file, (m.get(d.location.file) ?? 0) + 1);
    return m;
  }, [validation]);

  const goTo = (d: Diagnostic) => {
    if (!d.location) return;
    const jump = () => {
      const v = view.current;
      if (!v) return;
      const line = v.state.doc.line(Math.min(d.location!.line, v.state.doc.lines));
      const pos = Math.min(line.from + d.location!.column - 1, line.to);
      v.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
      v.focus();
    };
    if (d.location.file !== current) {
      setCurrent(d.location.file);
      setTimeout(jump, 0);
    } else jump();
  };

  const errors = validation?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
  const warnings = (validation?.diagnostics.length ?? 0) - errors;

  return (
    <>
      <PageHeader
        title={saved.name}
        subtitle={
          <>
            Revision {initial.shownRevision}
            {old ? ` of ${initial.revision}` : ''} · last saved by {saved.updatedBy} {when(saved.updatedAt)}
            {saved.baseVersion ? (
              <>
                {' '}
                · started from <code>{short(saved.baseVersion)}</code>
              </>
            ) : null}
          </>
        }
        actions={
          <>
            <Link to={`/drafts/${saved.id}/review`} className="button">
              Review &amp; publish
            </Link>
          </>
        }
      />
      {old ? (
        <div className="banner" role="note">
          You are looking at revision {initial.shownRevision}; the latest is {initial.revision}. <Link to={`/drafts/${saved.id}`}>Open the latest</Link>
        </div>
      ) : !canWrite ? (
        <div className="banner" role="note">
          Read-only: your auditor key can read drafts but not change them.
        </div>
      ) : null}
      <div className="editor-layout">
        <nav className="file-list" aria-label="Files of the draft">
          <h2 className="small-heading">Files</h2>
          <ul>
            {paths.map((p) => (
              <li key={p}>
                <button type="button" className={`file ${p === current ? 'current' : ''}`} aria-current={p === current ? 'true' : undefined} onClick={() => setCurrent(p)}>
                  <span className="file-name">{p}</span>
                  {changed.includes(p) ? (
                    <span className="dot" title="unsaved changes">
                      <span className="visually-hidden">(unsaved)</span>●
                    </span>
                  ) : null}
                  {errorsByFile.get(p) ? <Badge tone="bad">{errorsByFile.get(p)}</Badge> : null}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <section className="editor-main" aria-label={`Editor: ${current}`}>
          <div className="editor-toolbar">
            <span className="status" role="status" aria-live="polite">
              {validating ? (
                <span className="muted">Checking…</span>
              ) : validation ? (
                validation.valid ? (
                  <Badge tone="good">valid · version {short(validation.version)}</Badge>
                ) : (
                  <Badge tone="bad">
                    {count(errors, 'error')}
                    {warnings ? `, ${count(warnings, 'warning')}` : ''}
                  </Badge>
                )
              ) : null}
              {dirty ? <span className="muted"> · {count(changed.length, 'unsaved file')}</span> : savedNote ? <span className="muted"> · {savedNote}</span> : null}
            </span>
            {!readOnly ? (
              <form
                className="save-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void save();
                }}
              >
                <label className="visually-hidden" htmlFor="save-message">
                  Change note
                </label>
                <input id="save-message" placeholder="Change note (optional)" value={message} onChange={(e) => setMessage(e.target.value)} maxLength={2000} />
                <button type="submit" className="button primary" disabled={saving || !dirty} aria-busy={saving}>
                  {saving ? 'Saving…' : 'Save'}
                </button>
              </form>
            ) : null}
          </div>
          {saveError ? (
            <div className="form-error" role="alert">
              {saveError}{' '}
              <button type="button" className="button small" onClick={reload}>
                Reload
              </button>
            </div>
          ) : null}
          <div ref={host} className="editor-host" />
          <p id="editor-help" className="muted small">
            Errors are underlined as you type, from the same validator as <code>ratecard validate</code>. Ctrl+Space completes keys from the rules&apos; schema; Ctrl+S saves; Escape then Tab leaves the editor.
          </p>
          <Panel title={`Problems${validation ? ` (${validation.diagnostics.length})` : ''}`}>
            {!validation ? (
              <p className="muted">Checking the files…</p>
            ) : validation.diagnostics.length === 0 ? (
              <p className="ok-text">No problems: these files would publish as version {short(validation.version)}.</p>
            ) : (
              <ul className="diagnostics">
                {validation.diagnostics.map((d, i) => (
                  <li key={i} className={d.severity}>
                    <button type="button" className="link-button" onClick={() => goTo(d)}>
                      <code>{d.location ? `${d.location.file}:${d.location.line}:${d.location.column}` : '(rule set)'}</code>
                    </button>{' '}
                    <span className="diag-code">{d.code}</span>: {d.message}
                    {d.hint ? <div className="muted small">hint: {d.hint}</div> : null}
                  </li>
                ))}
              </ul>
            )}
          </Panel>
        </section>
        <aside className="side" aria-label="Quote playground and history">
          <QuotePlayground files={files} catalogue={validation?.catalogue ?? null} valid={validation?.valid ?? false} />
          <Panel title="History">
            <ol className="revisions">
              {saved.revisions.map((r) => (
                <li key={r.number}>
                  <Link to={r.number === saved.revision ? `/drafts/${saved.id}` : `/drafts/${saved.id}?revision=${r.number}`} aria-current={r.number === initial.shownRevision ? 'true' : undefined}>
                    Revision {r.number}
                  </Link>{' '}
                  <span className="muted small">
                    {r.author} · {when(r.createdAt)}
                  </span>
                  <div className="small">{r.message}</div>
                </li>
              ))}
            </ol>
            {paths.length === 0 ? <EmptyState title="No files" /> : null}
          </Panel>
        </aside>
      </div>
    </>
  );
}

/** Rule files first (plans first), then case files. */
function rank(path: string): number {
  if (/plans\.ya?ml$/.test(path)) return 0;
  return path.includes('.test.') ? 2 : 1;
}

