import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, session, whenUnauthenticated } from './api/client';
import type { WhoAmI } from './api/types';
import { Link, match, navigate, useLocation } from './router';
import { SessionContext } from './session';
import { ErrorState, Loading } from './ui/components';
import { SignIn } from './pages/SignIn';
import { PriceList } from './pages/PriceList';
import { Drafts } from './pages/Drafts';
import { Versions } from './pages/Versions';
import { Charges } from './pages/Charges';
import { ChargeDetail } from './pages/ChargeDetail';
import { AuditTrail } from './pages/AuditTrail';
import { Accounts } from './pages/Accounts';
import { AccountDetail } from './pages/AccountDetail';
import { Review } from './pages/Review';

// The editor (CodeMirror) is loaded only when a draft is opened: the first page stays small.
const DraftEditor = lazy(() => import('./pages/DraftEditor'));

const NAV: readonly { to: string; label: string; section: 'prices' | 'drafts' | 'versions' | 'charges' | 'audit' | 'accounts' }[] = [
  { to: '/prices', label: 'Price list', section: 'prices' },
  { to: '/drafts', label: 'Drafts', section: 'drafts' },
  { to: '/versions', label: 'Versions', section: 'versions' },
  { to: '/charges', label: 'Charges & decisions', section: 'charges' },
  { to: '/audit', label: 'Audit trail', section: 'audit' },
  { to: '/accounts', label: 'Accounts', section: 'accounts' },
];

function route(path: string): { section: string; page: ReactNode } {
  let m: Record<string, string> | null;
  if (path === '/' || path === '/prices') return { section: 'prices', page: <PriceList /> };
  if (path === '/drafts') return { section: 'drafts', page: <Drafts /> };
  if ((m = match('/drafts/:id/review', path))) return { section: 'drafts', page: <Review draftId={m.id} /> };
  if ((m = match('/drafts/:id', path))) return { section: 'drafts', page: <DraftEditor key={m.id} draftId={m.id} /> };
  if (path === '/versions') return { section: 'versions', page: <Versions /> };
  if (path === '/charges') return { section: 'charges', page: <Charges /> };
  if ((m = match('/charges/:id', path))) return { section: 'charges', page: <ChargeDetail key={m.id} chargeId={m.id} /> };
  if (path === '/audit') return { section: 'audit', page: <AuditTrail /> };
  if (path === '/accounts') return { section: 'accounts', page: <Accounts /> };
  if ((m = match('/accounts/:id', path))) return { section: 'accounts', page: <AccountDetail key={m.id} accountId={m.id} /> };
  return {
    section: '',
    page: (
      <div className="state empty">
        <strong>No such page</strong>
        <p>
          <Link to="/prices">Go to the price list</Link>
        </p>
      </div>
    ),
  };
}

export function App() {
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [checking, setChecking] = useState<boolean>(() => session.get() !== null);
  const [error, setError] = useState<ApiError | null>(null);
  const { path } = useLocation();

  useEffect(() => {
    whenUnauthenticated(() => {
      session.clear();
      setWho(null);
    });
    const key = session.get();
    if (!key) return;
    api
      .withKey<WhoAmI>(key, '/v1/whoami')
      .then((w) => {
        if (w.role === 'service') {
          session.clear();
          setWho(null);
        } else setWho(w);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) session.clear();
        else setError(e as ApiError);
      })
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <Loading what="your session" />;
  if (error) return <ErrorState error={error} retry={() => window.location.reload()} what="your session" />;
  if (!who) return <SignIn onSignedIn={(w) => setWho(w)} />;

  const { section, page } = route(path);
  return (
    <SessionContext.Provider value={who}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <header className="topbar">
          <Link to="/prices" className="brand" aria-label="ratecard Studio, price list">
            <span className="logo" aria-hidden="true">
              r
            </span>
            ratecard <span className="brand-sub">Studio</span>
          </Link>
          <div className="who">
            <span className="who-name">{who.name}</span>
            <span className={`badge ${who.role === 'admin' ? 'info' : 'neutral'}`}>{who.role === 'admin' ? 'admin' : 'auditor · read-only'}</span>
            <button
              type="button"
              className="button small"
              onClick={() => {
                session.clear();
                setWho(null);
                navigate('/prices', { replace: true });
              }}
            >
              Sign out
            </button>
          </div>
        </header>
        <nav className="sidebar" aria-label="Studio">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={section === n.section ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
          <p className="sidebar-foot">
            <a href="/docs">API reference</a>
          </p>
        </nav>
        <main id="main" tabIndex={-1}>
          <Suspense fallback={<Loading what="the editor" />}>{page}</Suspense>
        </main>
      </div>
    </SessionContext.Provider>
  );
}
