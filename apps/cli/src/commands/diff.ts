import { DIFF_GUARDS, diffMarkdown, diffRuleSets, diffText, trippedGuards, type DiffGuard } from '@ratecard/engine';
import { EXIT, UsageError, type CliIo } from '../io';
import { BrokenRules, resolveRuleSet, sideLabel } from '../rule-sets';

/** Exit code when `--fail-on` trips: distinct from 1 (broken rules) and 2 (bad command line). */
export const EXIT_GUARD = EXIT.refused;

/** `ratecard diff <from> <to>`: what changed, in rules and in every plan × action × parameter cell. */
export async function diff(io: CliIo, opts: { from: string; to: string; format: string; failOn: string; rulesPath: string; limit: number; cells?: boolean }): Promise<number> {
  if (!['text', 'md', 'json'].includes(opts.format)) throw new UsageError(`--format is \`text\`, \`md\` or \`json\`, got \`${opts.format}\``);
  const guards = opts.failOn ? opts.failOn.split(',').map((g) => g.trim()).filter(Boolean) : [];
  const unknown = guards.filter((g) => !DIFF_GUARDS.includes(g as DiffGuard));
  if (unknown.length) throw new UsageError(`--fail-on takes ${DIFF_GUARDS.join(', ')}; unknown: ${unknown.join(', ')}`);
  let a, b;
  try {
    a = await resolveRuleSet(io, opts.from, opts.rulesPath);
    b = await resolveRuleSet(io, opts.to, opts.rulesPath);
  } catch (e) {
    if (!(e instanceof BrokenRules)) throw e;
    io.err(`ratecard diff: ${e.message}`);
    return EXIT.failed;
  }
  const d = diffRuleSets(a.compiled, b.compiled);
  const labels = { from: sideLabel(opts.from, a.compiled.version), to: sideLabel(opts.to, b.compiled.version) };
  const tripped = trippedGuards(d, guards as DiffGuard[]);
  if (opts.format === 'json') io.out(JSON.stringify({ ...d, tripped }, null, 2));
  else if (opts.format === 'md') io.out(diffMarkdown(d, { labels, limit: opts.limit, cells: opts.cells ?? false }));
  else io.out(diffText(d, { labels, limit: opts.limit, cells: opts.cells ?? false }));
  if (tripped.length) {
    io.err(`diff: --fail-on ${tripped.join(',')} tripped`);
    return EXIT_GUARD;
  }
  return EXIT.ok;
}
