/**
 * autocannon as a library, in the bench process (the server runs in another process). autocannon
 * has no type declarations, so the few parts used here are typed by hand.
 */
interface Histogram {
  readonly average: number;
  readonly stddev: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p99_9: number;
}

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest, context: object) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}

interface AutocannonResult {
  readonly latency: Histogram;
  readonly requests: Histogram & { readonly total: number; readonly sent: number };
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly statusCodeStats: Record<string, { count: number }>;
}

type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

/** What to send: one route, with a body and headers that may change per request. */
export interface LoadSpec {
  /**
   * The server, or several (processes behind one database): autocannon opens connection i to
   * `url[i % n]`, so the connections split evenly, and every answer lands in one latency histogram.
   */
  readonly url: string | readonly string[];
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly key: string;
  /** A new body for each request, when set. */
  readonly body?: () => string;
  /** Send `Idempotency-Key: <unique id>` on every request. */
  readonly idempotencyKey?: boolean;
  readonly connections: number;
}

/** One measured run. Latencies in ms. */
export interface LoadFigures {
  readonly seconds: number;
  readonly connections: number;
  readonly requests: number;
  readonly perSecond: number;
  /** Spread of the per-second request counts. */
  readonly perSecondStddev: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** The first few non-2xx answers, to say why. */
  readonly non2xxSamples: readonly string[];
}

/** Runs autocannon against one route for `seconds`. */
export async function load(spec: LoadSpec, seconds: number): Promise<LoadFigures> {
  const samples: string[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${spec.key}` };
  if (spec.body) headers['content-type'] = 'application/json';
  if (spec.idempotencyKey) headers['idempotency-key'] = 'bench-[<id>]';
  const request: AutocannonRequest = {
    method: spec.method,
    path: spec.path,
    headers,
    onResponse: (status, body) => {
      if ((status < 200 || status > 299) && samples.length < 5) samples.push(`${status} ${body.slice(0, 300)}`);
    },
  };
  const body = spec.body;
  if (body) request.setupRequest = (req) => ({ ...req, body: body() });
  const r = await autocannon({
    url: typeof spec.url === 'string' ? spec.url : [...spec.url],
    connections: spec.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    idReplacement: spec.idempotencyKey === true,
    requests: [request],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = Number(count);
  return {
    seconds: r.duration,
    connections: spec.connections,
    requests: r.requests.total,
    perSecond: r.requests.total / r.duration,
    perSecondStddev: r.requests.stddev,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    meanMs: r.latency.average,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    non2xxSamples: samples,
  };
}
