import { priceTable, priceTableMarkdown } from '@ratecard/engine';
import { EXIT, UsageError, type CliIo } from '../io';
import { compileDir } from '../rules';

/** `ratecard table`: the price list generated from the rules, as Markdown or JSON. */
export async function table(io: CliIo, opts: { rules: string; format: string }): Promise<number> {
  if (opts.format !== 'md' && opts.format !== 'json') throw new UsageError(`--format is \`md\` or \`json\`, got \`${opts.format}\``);
  const { compiled } = await compileDir(io, opts.rules);
  if (!compiled) return EXIT.failed;
  const t = priceTable(compiled);
  io.out(opts.format === 'json' ? JSON.stringify(t, null, 2) : priceTableMarkdown(t));
  return EXIT.ok;
}
