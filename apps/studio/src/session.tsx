import { createContext, useContext } from 'react';
import type { WhoAmI } from './api/types';

/** Who is signed in. `admin` may change things; `auditor` only reads. */
export const SessionContext = createContext<WhoAmI | null>(null);

export function useSession(): WhoAmI {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

/** True for keys that may change rules, accounts and drafts. */
export function useCanWrite(): boolean {
  return useSession().role === 'admin';
}
