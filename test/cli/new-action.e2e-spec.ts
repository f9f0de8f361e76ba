import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ratecard } from '../support/cli-io';
import { copyRules, removeDir, RULES_DIR } from '../support/rules';
import { yaml } from '../support/yaml';

// "A copy of rules/ with one new action added as YAML is quoted correctly with --rules, no code changed."

const AUDIO = yaml(
  '# yaml-language-server: $schema=../libs/dsl/src/schema/rules.schema.json',
  '# A new action a PM added as a new file.',
  'actions:',
  '  audio.narrate:',
  '    name: Voice-over narration',
  '    group: Audio',
  '    params:',
  '      voice: { values: [standard, studio], default: standard }',
  '      seconds: { type: integer, min: 1, max: 60, default: 10, unit: s }',
  '    price:',
  '      by: voice',
  '      per: seconds',
  '      variants:',
  '        standard: { rate: 2 cr/sec, label: Standard voice }',
  '        studio: { rate: 5 cr/sec, label: Studio voice, requires: pro+ }',
  '',
  '  site.generate-narrated:',
  '    name: Full site with narration',
  '    group: Sites',
  '    phases:',
  '      - label: Site',
  '        action: site.generate',
  '        pass: [model, resolution]',
  '      - label: Narration',
  '        action: audio.narrate',
  '        with: { seconds: 8 }',
);

const AUDIO_CASES = yaml(
  'cases:',
  '  - { note: standard voice for 10 s, plan: basic, action: audio.narrate, want: { allowed: true, cost: 20 } }',
  '  - { note: narrated site, plan: basic, action: site.generate-narrated, want: { allowed: true, cost: 298 } }',
);

describe('a new action added as YAML to a copy of rules/', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyRules();
    writeFileSync(join(dir, 'audio.yaml'), AUDIO);
  });
  afterAll(() => removeDir(dir));

  const quote = async (...args: string[]) => {
    const { code, stdout, stderr } = await ratecard(['quote', '--rules', dir, '--json', ...args]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return JSON.parse(stdout) as { allowed: boolean; cost: number; reasons: { code: string; message: string }[]; breakdown: { label: string }[] };
  };

  it('validates as one more rule file and two more actions', async () => {
    const { code, stdout } = await ratecard(['validate', '--rules', dir]);
    expect(stdout).toMatch(/^ok: 7 rule files, 22 actions, 3 plans; version [0-9a-f]{12}$/);
    expect(code).toBe(0);
  });

  it('quotes the new action at its default: 2 cr/s × 10 s = 20 on Basic', async () => {
    const sut = await quote('--plan', 'basic', '--action', 'audio.narrate');
    expect([sut.allowed, sut.cost]).toEqual([true, 20]);
    expect(sut.breakdown.map((b) => b.label)).toEqual(['Standard voice 2 cr/s × 10 s = 20']);
  });

  it('gates the studio voice to Pro and above, still priced: 5 cr/s × 10 s', async () => {
    const sut = await quote('--plan', 'basic', '--action', 'audio.narrate', '--param', 'voice=studio');
    expect([sut.allowed, sut.cost]).toEqual([false, 50]);
    expect(sut.reasons).toEqual([expect.objectContaining({ code: 'PLAN_REQUIRED', message: 'voice `studio` needs the Pro plan or higher' })]);
  });

  it('meters the seconds given: 5 cr/s × 30 s = 150 on Pro', async () => {
    const sut = await quote('--plan', 'pro', '--action', 'audio.narrate', '--param', 'voice=studio', '--param', 'seconds=30');
    expect([sut.allowed, sut.cost]).toEqual([true, 150]);
  });

  it('composes with actions of other files: a full site (282) plus 8 s of narration (16)', async () => {
    const sut = await quote('--plan', 'basic', '--action', 'site.generate-narrated');
    expect([sut.allowed, sut.cost]).toEqual([true, 298]);
    expect(sut.breakdown.map((b) => b.label)).toContain('Narration: Standard voice 2 cr/s × 8 s = 16');
  });

  it('leaves the bundled rules as they were', async () => {
    const { stdout } = await ratecard(['quote', '--plan', 'basic', '--action', 'audio.narrate', '--json']);
    expect(JSON.parse(stdout).reasons).toEqual([{ code: 'UNKNOWN_ACTION', message: 'unknown action `audio.narrate`' }]);
    expect(() => readFileSync(join(RULES_DIR, 'audio.yaml'))).toThrow();
  });

  it('lists the new action in the price table', async () => {
    const { stdout } = await ratecard(['table', '--rules', dir]);
    expect(stdout).toContain('## Audio');
    expect(stdout).toContain('| Voice-over narration — Studio voice | 5 cr per second | 50 cr for 10 s; Pro+ |');
  });

  it('runs the cases a PM writes for it with the rest', async () => {
    writeFileSync(join(dir, 'audio.test.yaml'), AUDIO_CASES);
    const { code, stdout } = await ratecard(['test', '--rules', dir]);
    expect(stdout).toMatch(/^\d+ passed, 0 failed/);
    expect(code).toBe(0);
  });
});
