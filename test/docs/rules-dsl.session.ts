import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOW, RULES_DIR } from '../support/rules';
import { Session } from './outputs';

// The runs docs/rules-dsl.md shows: the bundled rules, and the copies of them the doc describes
// (a changed rate, a per-token assembly, conditions added, mistakes made), each in a directory of
// its own that holds `rules/`, as a PM's repository does.

/** A copy of `rules/` under `<session>/<name>/rules`, with each `[file, from, to]` replaced exactly once. */
function copy(s: Session, name: string, edits: readonly [string, string, string][] = []): string {
  const root = join(s.dir, name);
  mkdirSync(root, { recursive: true });
  cpSync(RULES_DIR, join(root, 'rules'), { recursive: true });
  for (const [file, from, to] of edits) {
    const path = join(root, 'rules', file);
    const text = readFileSync(path, 'utf8');
    if (text.split(from).length !== 2) throw new Error(`\`${from}\` is not in ${file} exactly once`);
    writeFileSync(path, text.replace(from, to));
  }
  return root;
}

/** `site.assemble` charged per 1,000 tokens (docs: per-1,000-token rates). */
const TOKENS: [string, string, string] = [
  'sites.yaml',
  `    price:
      rate: 8 cr
      label: Claude/Gemini token cost
      assumption: the reference gives "~8 cr" of token cost per assembly; charged as a flat 8 cr
`,
  `    params:
      tokens: { type: integer, min: 0, max: 200000, default: 4000, unit: tokens }
    price: { rate: 2 cr/1k-tokens, per: tokens, label: Claude/Gemini tokens }
`,
];

/** `image.edit` with a parameter and two conditions (docs: custom conditions). */
const IMAGE_EDIT: [string, string, string] = [
  'images.yaml',
  `      resolution: *resolution
    price: 12 cr
    multipliers: *hi-res-output
`,
  `      resolution: *resolution
      keep-original: { type: boolean, default: false }
    price: 12 cr
    multipliers: *hi-res-output
    conditions:
      - id: keep-original
        label: keep the original
        when:
          all:
            - { fact: keep-original, operator: equal, value: true }
        add: 2 cr
      - id: premium-edit-discount
        label: Premium discount
        when:
          all:
            - { fact: plan, operator: planAtLeast, value: premium }
        multiply: 0.75x
`,
];

/** `video.extend` with a surcharge, a discount and a nested denial (docs: custom conditions). */
const VIDEO_EXTEND: [string, string, string] = [
  'video.yaml',
  '      assumption: the reference prices only a 4 s extension (~60 cr); 15 cr/s is assumed for other lengths\n',
  `      assumption: the reference prices only a 4 s extension (~60 cr); 15 cr/s is assumed for other lengths
    conditions:
      - id: short-extend-minimum
        label: short extension surcharge
        when:
          all:
            - { fact: seconds, operator: lessThan, value: 3 }
        add: 5 cr
      - id: premium-extend-discount
        label: Premium discount
        when:
          all:
            - { fact: plan, operator: equal, value: premium }
        add: -10 cr
      - id: long-extend
        label: long extensions
        when:
          all:
            - not: { fact: plan, operator: planAtLeast, value: premium }
            - any:
                - { fact: seconds, operator: greaterThan, value: 6 }
                - { fact: seconds, operator: equal, value: 1 }
        deny: { code: PLAN_REQUIRED, message: extensions of 1 s or over 6 s need the Premium plan }
`,
];

export async function rulesDslSession(): Promise<Map<string, string>> {
  const s = new Session(NOW);
  const npm = (argv: string[]): { shown: string } => ({ shown: `npm run -s ratecard -- ${argv.join(' ')}` });
  try {
    const bundled = copy(s, 'bundled');
    const at = (dir: string) => ({ cwd: dir });
    const q = (id: string, argv: string[], dir = bundled) => s.cli(id, ['quote', ...argv], at(dir));

    for (const argv of [['validate'], ['quote', '--plan', 'basic', '--action', 'video.generate', '--param', 'seconds=5'], ['quote', '--plan', 'basic', '--action', 'site.generate', '--used', 'site.generate=2'], ['test']]) {
      await s.cli(`start-${argv[0]}${argv[0] === 'quote' ? `-${argv[4].split('.')[0]}` : ''}`, argv, { ...npm(argv), ...at(bundled) });
    }
    const relaxed = copy(s, 'relaxed', [['video.yaml', 'rate: 18.75 cr/sec', 'rate: 20 cr/sec']]);
    await s.cli('test-failing', ['test'], at(relaxed));
    await s.cli('table', ['table'], { ...npm(['table']), ...at(bundled) });

    await q('quote-tokens', ['--plan', 'basic', '--action', 'site.assemble', '--param', 'tokens=4321'], copy(s, 'tokens', [TOKENS]));
    await q('quote-gates', ['--plan', 'basic', '--action', 'image.generate', '--param', 'model=nano-banana-pro', '--param', 'resolution=4k']);
    await q('quote-free', ['--plan', 'basic', '--action', 'text.inline-edit']);
    await q('quote-composite', ['--plan', 'basic', '--action', 'site.generate', '--param', 'model=nano-banana-pro', '--param', 'resolution=2k']);
    await q('quote-confirm', ['--plan', 'pro', '--action', 'site.regenerate']);
    await q('quote-deny', ['--plan', 'premium', '--action', 'video.generate', '--param', 'tier=hd', '--param', 'resolution=720p']);
    const conditions = copy(s, 'conditions', [IMAGE_EDIT, VIDEO_EXTEND]);
    await q('quote-image-edit', ['--plan', 'premium', '--action', 'image.edit', '--param', 'resolution=2k', '--param', 'keep-original=true'], conditions);
    const short = await s.cli(undefined, ['quote', '--plan', 'premium', '--action', 'video.extend', '--param', 'seconds=1'], at(conditions));
    const long = await s.cli(undefined, ['quote', '--plan', 'pro', '--action', 'video.extend', '--param', 'seconds=7'], at(conditions));
    s.record('quote-video-extend', `$ ratecard quote --plan premium --action video.extend --param seconds=1\n${short.text}\n\n$ ratecard quote --plan pro --action video.extend --param seconds=7\n${long.text}`);
    await q('quote-json', ['--plan', 'basic', '--action', 'video.generate', '--param', 'resolution=2k', '--json']);
    await q('quote-reasons', ['--plan', 'basic', '--action', 'business-os.chat', '--balance', '10']);
    await q('quote-unpriced', ['--plan', 'basic', '--action', 'video.generate', '--param', 'seconds=9', '--param', 'colour=red']);
    await q('quote-unknown-plan', ['--plan', 'enterprise', '--action', 'chat.edit']);

    const broken = copy(s, 'broken', [
      ['editing.yaml', 'price: 15 cr/msg', 'price: 15 cr/messages'],
      ['images.yaml', 'requires: premium+ }  # best quality', 'requires: premum+ }  # best quality'],
      ['video.yaml', '      by: tier\n', '      by: teir\n'],
    ]);
    await s.cli('validate-broken', ['validate'], at(broken));
    await s.cli('validate-warning', ['validate'], at(copy(s, 'warning', [['editing.yaml', '    requires: pro+\n', '    requires: basic+\n']])));
    return s.outputs;
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
}
