import { isCaseFile } from '@ratecard/dsl';
import { withStore } from '../db';
import { EXIT, UsageError, type CliIo } from '../io';

/**
 * `ratecard show <version>`: a published version (any version name): who published it, when, why,
 * its parent, its files and the revisions of its cases. `--file NAME` prints one file as the version
 * answers for it (a case file as of the latest case revision); `--json` everything.
 */
export async function show(io: CliIo, name: string, opts: { json: boolean; file?: string }): Promise<number> {
  return withStore(
    io,
    async ({ versions }) => {
      const v = await versions.get(name);
      const cases = await versions.cases(v.version);
      if (opts.file !== undefined) {
        const file = isCaseFile(opts.file) ? cases.files.find((f) => f.path === opts.file) : v.sources.find((f) => f.path === opts.file);
        if (!file) throw new UsageError(`version ${v.version.slice(0, 12)} has no file \`${opts.file}\`; its files are ${[...new Set([...v.sources, ...cases.files].map((f) => f.path))].sort().join(', ')}`);
        io.out(file.text.replace(/\n$/, ''));
        return EXIT.ok;
      }
      if (opts.json) {
        io.out(JSON.stringify({ ...v, cases: { revision: cases.revision, files: cases.files } }, null, 2));
        return EXIT.ok;
      }
      const date = (iso: string): string => iso.slice(0, 16).replace('T', ' ');
      io.out(`version  ${v.version}${v.active ? ' (active)' : ''}`);
      io.out(`author   ${v.author}`);
      io.out(`date     ${date(v.createdAt)}`);
      io.out(`parent   ${v.parentVersion ? v.parentVersion.slice(0, 12) : '(none)'}`);
      io.out(`message  ${v.message}`);
      io.out(`rules    ${v.files.filter((f) => !isCaseFile(f)).join(', ')}`);
      io.out(`cases    revision ${cases.revision} (${cases.files.map((f) => f.path).join(', ') || 'no case files'})`);
      for (const r of cases.revisions) {
        const result = r.cases === null ? 'not run at publish' : `${r.cases} cases, ${r.failed} failing${r.forceReason ? ` (forced: "${r.forceReason}")` : ''}`;
        io.out(`  ${String(r.revision).padStart(2)}  ${date(r.createdAt)}  ${r.author.padEnd(12)}  ${result}  ${r.message}`);
      }
      return EXIT.ok;
    },
    { mustExist: true },
  );
}
