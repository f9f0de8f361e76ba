import { impactOf, impactText, type LoggedDecision } from '@ratecard/engine';
import { withStore } from '../db';
import { EXIT, UsageError, type CliIo } from '../io';
import { BrokenRules, resolveRuleSet } from '../rule-sets';

/** `30d`, `12h`, `90m` -> milliseconds. */
export function parseWindow(text: string): number {
  // At most five digits, as the API: more put the window's start outside what a Date holds.
  const m = /^(\d{1,5})\s*([dhm])$/.exec(text.trim());
  if (!m) throw new UsageError(`--since takes a duration such as \`30d\`, \`12h\` or \`90m\` (at most 5 digits), got \`${text}\``);
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}

/**
 * `ratecard impact --candidate <dir|version|git revision>`: replays the logged decisions of a window
 * under candidate rules and reports what would change. Reads the decision log; writes nothing.
 */
export async function impact(io: CliIo, opts: { candidate: string; since: string; format: string; rulesPath?: string }): Promise<number> {
  if (!['text', 'json'].includes(opts.format)) throw new UsageError(`--format is \`text\` or \`json\`, got \`${opts.format}\``);
  const until = io.now();
  const since = new Date(until.getTime() - parseWindow(opts.since));
  let compiled;
  try {
    compiled = (await resolveRuleSet(io, opts.candidate, opts.rulesPath ?? 'rules')).compiled;
  } catch (e) {
    if (!(e instanceof BrokenRules)) throw e;
    return EXIT.failed;
  }
  return withStore(
    io,
    async ({ audit }) => {
      const logged: LoggedDecision[] = [];
      for await (const batch of audit.decisionsBetween(since, until)) logged.push(...batch);
      const report = impactOf(compiled, logged);
      io.out(opts.format === 'json' ? JSON.stringify({ window: { since: since.toISOString(), until: until.toISOString() }, ...report }, null, 2) : impactText(report, { since, until }));
      return EXIT.ok;
    },
    { mustExist: true },
  );
}
