import { useState, type FormEvent } from 'react';
import { api, ApiError, session } from '../api/client';
import type { WhoAmI } from '../api/types';
import { useTitle } from '../hooks';

/** Sign in with an API key. The key is kept in this tab's session storage only. */
export function SignIn({ onSignedIn }: { onSignedIn: (who: WhoAmI) => void }) {
  useTitle('Sign in');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const who = await api.withKey<WhoAmI>(trimmed, '/v1/whoami');
      if (who.role === 'service') {
        setError(`“${who.name}” is a service key. The Studio is for people: sign in with an admin or auditor key.`);
        return;
      }
      session.set(trimmed);
      onSignedIn(who);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This key is unknown or revoked.' : err instanceof ApiError ? err.detail : 'The service did not answer.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="signin-card" onSubmit={submit} noValidate>
        <div className="brand big">
          <span className="logo" aria-hidden="true">
            r
          </span>
          ratecard <span className="brand-sub">Studio</span>
        </div>
        <h1>Sign in</h1>
        <p className="subtitle">Price lists, drafts, versions and every charge traced to its rule. Use an admin key to change prices, or an auditor key to read.</p>
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input id="api-key" name="api-key" type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? 'signin-error' : 'signin-hint'} autoFocus />
          <small className="hint" id="signin-hint">
            Kept in this browser tab only, never stored on disk.
          </small>
        </div>
        {error ? (
          <div className="form-error" role="alert" id="signin-error">
            {error}
          </div>
        ) : null}
        <button type="submit" className="button primary wide" disabled={busy} aria-busy={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
