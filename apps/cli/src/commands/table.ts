import { priceTable, priceTableHtml, priceTableJson, priceTableMarkdown, type TableAudience } from '@ratecard/engine';
import { EXIT, UsageError, type CliIo } from '../io';
import { compileDir } from '../rules';
import { isoTime } from './quote';

/**
 * `ratecard table`: the price list generated from the rules. `--audience customer` (the default) is
 * the page a website publishes as is; `internal` keeps action ids, assumptions and conditions for the
 * PM. `--format md` (the default), `html` (one standalone page) or `json` (data, see its schema).
 * Promotions are those running or upcoming at `--at` (default now), with their dates.
 */
export async function table(io: CliIo, opts: { rules: string; format: string; audience: string; at?: string }): Promise<number> {
  if (!['md', 'html', 'json'].includes(opts.format)) throw new UsageError(`--format is \`md\`, \`html\` or \`json\`, got \`${opts.format}\``);
  if (!['customer', 'internal'].includes(opts.audience)) throw new UsageError(`--audience is \`customer\` or \`internal\`, got \`${opts.audience}\``);
  const now = opts.at !== undefined ? isoTime('--at', opts.at) : io.now();
  const { compiled } = await compileDir(io, opts.rules);
  if (!compiled) return EXIT.failed;
  const t = priceTable(compiled, { now });
  const audience = opts.audience as TableAudience;
  io.out(opts.format === 'json' ? JSON.stringify(priceTableJson(t, audience), null, 2) : opts.format === 'html' ? priceTableHtml(t, { audience }) : priceTableMarkdown(t, { audience }));
  return EXIT.ok;
}
