/**
 * The Studio's only way to the service: the public HTTP API with the signed-in key as a bearer
 * token. Errors come back as problem documents (`application/problem+json`) and are thrown as
 * {@link ApiError} with their code, so pages can show what went wrong and tell "not available on
 * this server" (404 on a route) from a real failure.
 */

/** An RFC 9457 problem document as the API sends it. */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title?: string;
  readonly detail: string;
  readonly [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }

  get detail(): string {
    return this.problem.detail;
  }
}

const KEY = 'ratecard.studio.key';

/** The key lives in this tab's session only: it is gone when the tab closes. */
export const session = {
  get(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

/** Called when the service says the key is unknown or revoked: the app signs out. */
let onUnauthenticated: () => void = () => undefined;
export function whenUnauthenticated(fn: () => void): void {
  onUnauthenticated = fn;
}

async function request<T>(method: string, path: string, options: { body?: unknown; query?: Query; key?: string; signal?: AbortSignal } = {}): Promise<T> {
  const key = options.key ?? session.get();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, options.query), { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError({ status: 0, code: 'NETWORK', detail: 'the service did not answer; check that it is running' });
  }
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body: unknown = /json/.test(type) && text ? JSON.parse(text) : text;
  if (!res.ok) {
    const problem: Problem = typeof body === 'object' && body !== null && 'code' in body ? (body as Problem) : { status: res.status, code: `HTTP_${res.status}`, detail: typeof body === 'string' && body ? body.slice(0, 200) : res.statusText };
    if (res.status === 401 && !options.key) onUnauthenticated();
    throw new ApiError(problem);
  }
  return body as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}) }),
  post: <T>(path: string, body?: unknown, signal?: AbortSignal) => request<T>('POST', path, { body: body ?? {}, ...(signal ? { signal } : {}) }),
  /** A request with a key that is not (yet) the session's, for signing in. */
  withKey: <T>(key: string, path: string) => request<T>('GET', path, { key }),
};
