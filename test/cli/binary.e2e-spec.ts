import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/rules';

// The built binary, as a PM runs it (`npm run build` first).

const MAIN = join(REPO_ROOT, 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js');

const ratecard = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });

describe('the built ratecard binary', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before the end-to-end tests`);
  });

  it('validates the bundled rules and exits 0', () => {
    const { status, stdout, stderr } = ratecard('validate');
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^ok: 6 rule files, 20 actions, 3 plans; version [0-9a-f]{12}\n$/);
    expect(status).toBe(0);
  });

  it('quotes as JSON: a 4 s extension on Pro is 60 cr', () => {
    const { status, stdout } = ratecard('quote', '--plan', 'pro', '--action', 'video.extend', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ allowed: true, cost: 60, costMillicredits: 60_000 });
    expect(status).toBe(0);
  });

  it('exits 1 for broken rules, with every error and no stack trace', () => {
    const { status, stdout, stderr } = ratecard('validate', '--rules', 'test/fixtures/rules-broken/many-errors');
    expect(stdout).toBe('');
    expect(stderr).not.toContain('    at ');
    expect(stderr.trimEnd().split('\n').pop()).toBe('7 errors');
    expect(status).toBe(1);
  });

  it('exits 2 for a usage error', () => {
    const { status, stderr } = ratecard('quote', '--plan', 'basic');
    expect(stderr).toMatch(/^ratecard quote: quote needs --plan and --action/);
    expect(status).toBe(2);
  });
});
