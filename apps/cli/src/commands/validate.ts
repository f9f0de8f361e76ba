import { isRuleFile } from '@ratecard/dsl';
import { EXIT, type CliIo } from '../io';
import { compileDir } from '../rules';

/** `ratecard validate`: every problem of every rule file, then exit 0 (clean) or 1. */
export async function validate(io: CliIo, opts: { rules: string }): Promise<number> {
  const { compiled, files, diagnostics } = await compileDir(io, opts.rules);
  if (!compiled) return EXIT.failed;
  const warnings = diagnostics.length;
  const count = files.filter((f) => isRuleFile(f.path)).length;
  io.out(
    `ok: ${plural(count, 'rule file')}, ${plural(compiled.actions.size, 'action')}, ${plural(compiled.plans.size, 'plan')}` +
      `${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}; version ${compiled.version.slice(0, 12)}`,
  );
  return EXIT.ok;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
