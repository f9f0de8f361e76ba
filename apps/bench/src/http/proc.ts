/**
 * CPU time from Linux's /proc: of one process, of a process and all its children (a PostgreSQL
 * server: the postmaster and its backends), and of the whole machine; and the scheduler's view of
 * a thread (on a CPU, waiting for one, or neither: asleep, waiting for something else).
 */
import { readdir, readFile } from 'node:fs/promises';

/** Linux's USER_HZ, the unit of /proc times (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;
const MS_PER_TICK = 1000 / CLOCK_TICKS_PER_SECOND;

/** The times of /proc/<pid>/stat, in ms; undefined when the process is gone. */
interface StatTimes {
  readonly ppid: number;
  /** user + system time of the process itself (all its threads). */
  readonly ownMs: number;
  /** user + system time of its children that exited and were waited for. */
  readonly reapedChildrenMs: number;
}

async function statTimes(pid: number): Promise<StatTimes | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command (which may hold spaces) in parentheses: ppid is field 4, utime,
  // stime, cutime and cstime fields 14 to 17 (1-based).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), ownMs: (Number(f[11]) + Number(f[12])) * MS_PER_TICK, reapedChildrenMs: (Number(f[13]) + Number(f[14])) * MS_PER_TICK };
}

/** CPU time one process has used so far (user + system, all threads), in ms. */
export async function processCpuMs(pid: number): Promise<number> {
  return (await statTimes(pid))?.ownMs ?? NaN;
}

/** Time a task spent on a CPU and waiting in a run queue for one, in ms (both grow only while it is runnable). */
export interface Sched {
  readonly runMs: number;
  readonly waitMs: number;
}

/** A thread's scheduler times so far from /proc/<pid>/task/<tid>/schedstat (the main thread when `tid` is the pid); zeros when gone. */
export async function schedMs(pid: number, tid = pid): Promise<Sched> {
  try {
    const [run, wait] = (await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).trim().split(/\s+/).map(Number);
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return { runMs: 0, waitMs: 0 };
  }
}

/**
 * A process and its children (a PostgreSQL server: the postmaster, its backends and background
 * processes), so far. `cpuMs`: user + system time of the process, of its live children and of the
 * children that exited (counted in its `cutime`/`cstime` once it waited for them), so a child that
 * exits between two readings moves its time from one term to another, not out of the sum.
 * `sched`: the main threads' scheduler times of the process and its live children.
 */
export async function processTreeUsage(pid: number): Promise<{ readonly cpuMs: number; readonly sched: Sched }> {
  const root = await statTimes(pid);
  if (!root) return { cpuMs: NaN, sched: { runMs: NaN, waitMs: NaN } };
  let cpuMs = root.ownMs + root.reapedChildrenMs;
  const members = [pid];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const child = await statTimes(Number(name));
    if (child?.ppid !== pid) continue;
    cpuMs += child.ownMs;
    members.push(Number(name));
  }
  let runMs = 0;
  let waitMs = 0;
  for (const member of members) {
    const s = await schedMs(member);
    runMs += s.runMs;
    waitMs += s.waitMs;
  }
  return { cpuMs, sched: { runMs, waitMs } };
}

/** The whole machine's CPU time so far (every core), in ms: busy (neither idle nor waiting for IO) and all. */
export async function machineCpuMs(): Promise<{ readonly busyMs: number; readonly totalMs: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0];
  // cpu user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busyMs: busy * MS_PER_TICK, totalMs: (busy + idle + iowait) * MS_PER_TICK };
}
