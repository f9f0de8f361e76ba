import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from '../api/client';
import type { Loaded } from '../hooks';

/** The heading of a page, with a line of context and the page's actions. */
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="actions">{actions}</div> : null}
    </header>
  );
}

/** A titled section of a page. */
export function Panel({ title, actions, children, id, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; id?: string; className?: string }) {
  const headingId = useId();
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={title ? headingId : undefined} id={id}>
      {title || actions ? (
        <div className="panel-head">
          {title ? <h2 id={headingId}>{title}</h2> : <span />}
          {actions ? <div className="actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </div>
  );
}

/** A request that failed: what the service said, and a retry. */
export function ErrorState({ error, retry, what }: { error: ApiError; retry?: () => void; what?: string }) {
  return (
    <div className="state error" role="alert">
      <strong>{what ? `Could not load ${what}` : 'Something went wrong'}</strong>
      <p>
        {error.detail}
        {error.code && error.code !== 'NETWORK' ? <code className="code-tag">{error.code}</code> : null}
      </p>
      {retry ? (
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** A feature whose route this service does not have yet. */
export function NotAvailable({ feature, detail }: { feature: string; detail: ReactNode }) {
  return (
    <div className="state not-available" role="note">
      <strong>{feature}: not available on this server</strong>
      <p>{detail}</p>
    </div>
  );
}

/** Shows loading, error or the content of a request. */
export function Load<T>({ state, what, children }: { state: Loaded<T>; what: string; children: (data: T) => ReactNode }) {
  if (state.data !== undefined) return <div aria-busy={state.loading}>{children(state.data)}</div>;
  if (state.error) return <ErrorState error={state.error} retry={state.reload} what={what} />;
  return <Loading what={what} />;
}

export function Badge({ tone = 'neutral', children, title }: { tone?: 'neutral' | 'good' | 'bad' | 'warn' | 'info'; children: ReactNode; title?: string }) {
  return (
    <span className={`badge ${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A scrollable table region with a caption for screen readers. */
export function Table({ caption, children, className }: { caption: string; children: ReactNode; className?: string }) {
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className={className}>
        <caption className="visually-hidden">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

/**
 * A confirmation dialog (the native modal `<dialog>`: focus stays inside, Escape cancels) that says
 * what the action will do before it is done, and shows the service's answer if it refuses.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  tone = 'primary',
  onConfirm,
  onClose,
  busy,
  error,
  disabled,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  tone?: 'primary' | 'danger';
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  error?: ReactNode;
  disabled?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useLayoutEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={headingId} onClose={onClose} onCancel={(e) => (busy ? e.preventDefault() : undefined)}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy && !disabled) onConfirm();
        }}
      >
        <h2 id={headingId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {error ? (
          <div className="form-error" role="alert">
            {error}
          </div>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className={`button ${tone}`} disabled={busy || disabled} aria-busy={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** Tabs with arrow-key navigation (WAI-ARIA tabs pattern). */
export function Tabs<K extends string>({ label, tabs, value, onChange }: { label: string; tabs: readonly { key: K; label: ReactNode }[]; value: K; onChange: (k: K) => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {tabs.map((t, i) => (
        <button
          key={t.key}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${t.key}`}
          aria-selected={t.key === value}
          aria-controls={`panel-${t.key}`}
          tabIndex={t.key === value ? 0 : -1}
          className="tab"
          onClick={() => onChange(t.key)}
          onKeyDown={(e) => {
            const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
            if (!step) return;
            e.preventDefault();
            const next = (i + step + tabs.length) % tabs.length;
            onChange(tabs[next].key);
            refs.current[next]?.focus();
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, children }: { id: string; children: ReactNode }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} tabIndex={0} className="tab-panel">
      {children}
    </div>
  );
}

/**
 * A rule file as text with line numbers; `line` is highlighted and scrolled into view, so an
 * auditor sees the rule a receipt line came from in the version's own file.
 */
export function SourceView({ file, text, line, label }: { file: string; text: string; line?: number; label?: string }) {
  const ref = useRef<HTMLOListElement>(null);
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  useEffect(() => {
    if (!line) return;
    const li = ref.current?.children[line - 1] as HTMLElement | undefined;
    const box = ref.current?.parentElement;
    if (li && box) box.scrollTop = Math.max(0, li.offsetTop - box.clientHeight / 3);
  }, [line, file]);
  return (
    <figure className="source">
      <figcaption>
        <code>{file}</code>
        {line ? <span>line {line}</span> : null}
      </figcaption>
      <div className="source-scroll" tabIndex={0} role="region" aria-label={label ?? `${file}${line ? `, line ${line} highlighted` : ''}`}>
        <ol ref={ref}>
          {lines.map((l, i) => (
            <li key={i} className={i + 1 === line ? 'hl' : undefined} aria-current={i + 1 === line ? 'location' : undefined} data-line={i + 1}>
              <code>{l || ' '}</code>
            </li>
          ))}
        </ol>
      </div>
    </figure>
  );
}

/** A text field with its label (and an optional hint), all controls labelled. */
export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint ? <small className="hint">{hint}</small> : null}
    </div>
  );
}

/** Copies text with a short confirmation. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="button small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        });
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}
