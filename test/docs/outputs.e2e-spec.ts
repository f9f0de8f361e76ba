import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/rules';
import { markers, render } from './outputs';
import { rulesDslSession } from './rules-dsl.session';
import { versionsSession } from './versions.session';

// Every CLI output shown in the docs comes from the CLI: each doc's session runs the story the doc
// tells and the doc must show exactly what it printed. `npm run docs:outputs` rewrites the docs
// (RATECARD_DOCS_WRITE=1); this test fails when a doc and its session disagree.

const WRITE = process.env.RATECARD_DOCS_WRITE === '1';

describe.each([
  ['docs/versions.md', versionsSession],
  ['docs/rules-dsl.md', rulesDslSession],
])('%s', (doc, session) => {
  it('shows exactly what the CLI prints, and every output it shows is marked', async () => {
    const path = join(REPO_ROOT, doc);
    const text = readFileSync(path, 'utf8');
    const outputs = await session();
    expect(markers(text).sort()).toEqual([...outputs.keys()].sort());
    const rendered = render(text, outputs);
    if (WRITE) writeFileSync(path, rendered);
    else expect(rendered).toBe(text);
  }, 180_000);
});
