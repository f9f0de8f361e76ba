import { readFile } from 'node:fs/promises';

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a profiled process spent its time: self time by area and by function, in ms and %. */
export interface ProfileSummary {
  readonly label: string;
  readonly file: string;
  /** Sampled time, idle excluded, in ms. */
  readonly busyMs: number;
  readonly idleMs: number;
  /** The profiler's own work on the main thread (inspector frames), left out of `busyMs`. */
  readonly profilerMs: number;
  readonly byArea: readonly { readonly area: string; readonly ms: number; readonly pct: number }[];
  readonly topFunctions: readonly { readonly fn: string; readonly where: string; readonly ms: number; readonly pct: number }[];
  /** Inclusive time of frames under our own code that matter for the hot path. */
  readonly inclusive: readonly { readonly fn: string; readonly where: string; readonly ms: number; readonly pct: number }[];
}

/** The package or part of the code a script URL belongs to. */
function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const lib = /\/libs\/([^/]+)\//.exec(url);
  if (lib) return `@ratecard/${lib[1]}`;
  const app = /\/dist\/apps\/[^/]+\/apps\/([^/]+)\//.exec(url);
  if (app) return `apps/${app[1]}`;
  return url;
}

function shortUrl(url: string): string {
  const nm = /node_modules\/(.*)$/.exec(url);
  if (nm) return nm[1];
  // dist/apps/<project>/{apps,libs}/... -> {apps,libs}/...
  const own = /\/dist\/apps\/[^/]+\/((?:apps|libs)\/.*)$/.exec(url);
  if (own) return own[1];
  return url.replace(/^file:\/\//, '');
}

/** Summarises a `.cpuprofile` written by `node --cpu-prof`. */
export async function summarizeProfile(label: string, file: string, top = 20): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** A native frame (no script) belongs to the code that called it: `sqlite3 (native)`, `node internals (native)`. */
  const area = (id: number): string => {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (url || functionName.startsWith('(')) return areaOf(url, functionName);
    // V8 names the sqlite3 addon's native methods after its first class, `Backup`; when the
    // wrapper in sqlite3.js is inlined the caller is the ORM, so name it here.
    if (functionName === 'Backup') return 'sqlite3 (native)';
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const caller = byId.get(at)!.callFrame;
      if (caller.url) return `${areaOf(caller.url, caller.functionName)} (native)`;
    }
    return '(native)';
  };
  /** Samples under the inspector's own frames are the profiler's cost, not the program's. */
  const profiler = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let idle = 0;
  let busy = 0;
  let profilerUs = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    if (profiler(id)) {
      profilerUs += us;
      continue;
    }
    busy += us;
    const where = area(id);
    areas.set(where, (areas.get(where) ?? 0) + us);
    const key = `${functionName}|${url}|${lineNumber}`;
    const entry = fns.get(key) ?? { fn: functionName || '(anonymous)', where: url ? `${shortUrl(url)}:${lineNumber + 1}` : where, us: 0 };
    entry.us += us;
    fns.set(key, entry);
  }
  // Inclusive time: self time of a node and all its descendants, counted once per frame key on a path.
  const inclusive = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)' || profiler(id)) continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      if (!/\/(libs|apps)\//.test(url) || url.includes('node_modules')) continue;
      const key = `${functionName}|${url}|${lineNumber}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { fn: functionName || '(anonymous)', where: `${shortUrl(url)}:${lineNumber + 1}`, us: 0 };
      entry.us += us;
      inclusive.set(key, entry);
    }
  }
  const pct = (us: number): number => (busy ? (100 * us) / busy : 0);
  return {
    label,
    file,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    profilerMs: profilerUs / 1000,
    byArea: [...areas].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([area, us]) => ({ area, ms: us / 1000, pct: pct(us) })),
    topFunctions: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ fn: f.fn, where: f.where, ms: f.us / 1000, pct: pct(f.us) })),
    inclusive: [...inclusive.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ fn: f.fn, where: f.where, ms: f.us / 1000, pct: pct(f.us) })),
  };
}
