import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ratecard } from '../support/cli-io';
import { REPO_ROOT, removeDir } from '../support/rules';
import { ISSUE_CASES, issueRuleFiles } from '../support/v2-rules';

// The command outputs in docs/rules-dsl.md marked `<!-- ratecard-example -->` are what the CLI prints:
// each block's first line is the command, the rest its output (stdout, then stderr). They run from a
// directory with `rules/` and `test/` of the repository and `v2/`, a copy of rules/ with the
// snippets of issue 10 and their cases, on the frozen test clock. `<!-- ratecard-example excerpt -->`
// blocks are a run of consecutive lines of the output.
//
// `npm run docs:outputs` (RATECARD_DOCS_WRITE=1) writes the outputs into the document instead, with the
// stateful sessions' outputs (outputs.ts): one command for every generated output in docs/.

const DOC = join(REPO_ROOT, 'docs', 'rules-dsl.md');
const BLOCK = /<!-- ratecard-example( excerpt)? -->\n```\n\$ npm run -s ratecard -- (.*)\n([\s\S]*?)```/g;

/** Splits a command line the way a shell would, for the quoting the document uses. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ratecard-docs-'));
  symlinkSync(join(REPO_ROOT, 'rules'), join(work, 'rules'));
  symlinkSync(join(REPO_ROOT, 'test'), join(work, 'test'));
  for (const f of issueRuleFiles().filter((f) => !f.path.endsWith('.test.yaml'))) {
    const path = join(work, f.path.replace(/^rules\//, 'v2/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.text);
  }
  writeFileSync(join(work, 'v2', 'issue.test.yaml'), ISSUE_CASES);
});
afterAll(() => removeDir(work));

const examples = [...readFileSync(DOC, 'utf8').matchAll(BLOCK)].map((m) => ({ excerpt: m[1] !== undefined, command: m[2], shown: m[3] }));

describe('docs/rules-dsl.md', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(10);
  });

  it.each(examples.map((e) => [e.command, e] as const))('shows what `ratecard %s` prints', async (_command, e) => {
    const { stdout, stderr } = await ratecard(words(e.command), { cwd: work });
    const output = [stdout, stderr].filter((s) => s !== '').join('\n');
    if (process.env.RATECARD_DOCS_WRITE === '1') {
      if (!e.excerpt) {
        const text = readFileSync(DOC, 'utf8');
        writeFileSync(DOC, text.replace(`\`\`\`\n$ npm run -s ratecard -- ${e.command}\n${e.shown}\`\`\``, `\`\`\`\n$ npm run -s ratecard -- ${e.command}\n${output}\n\`\`\``));
      }
      return;
    }
    if (e.excerpt) expect(output).toContain(e.shown.trimEnd());
    else expect(output).toBe(e.shown.trimEnd());
  });
});
