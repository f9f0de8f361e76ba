import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useApi } from '../support/api';
import { REPO_ROOT } from '../support/rules';

// The client as a service installs it: `npm pack` of libs/client (built with everything it needs
// from libs/engine and libs/dsl inside), installed offline into a fresh project that has nothing
// else, then used from plain Node against the running service and type-checked from TypeScript.

/** What the fresh project runs: a charge, a denial, a local quote, withHold and a signature check. */
const SCRIPT = `
const { RatecardClient, signWebhook, verifyWebhook } = require('@ratecard/client');
(async () => {
  const client = new RatecardClient({ baseUrl: process.env.RATECARD_URL, apiKey: process.env.RATECARD_KEY });
  const account = process.env.ACCOUNT;
  const charged = await client.charge({ accountId: account, action: 'video.generate', params: { seconds: 8 } }, { idempotencyKey: 'pkg-1' });
  const again = await client.charge({ accountId: account, action: 'video.generate', params: { seconds: 8 } }, { idempotencyKey: 'pkg-1' });
  const denied = await client.charge({ accountId: account, action: 'video.generate', params: { resolution: '4k' } });
  const rules = await client.localRules({ watch: false });
  const quote = rules.quote({ plan: 'basic', action: 'video.generate', params: { seconds: 8 } });
  const held = await client.withHold(account, 'video.generate', { seconds: 8 }, async (hold, usage) => { usage.params({ seconds: 2 }); return hold.amount; });
  const body = JSON.stringify({ id: 'evt_1', type: 'quota.reached', createdAt: '2026-03-20T12:00:00.000Z', accountId: account, data: {} });
  const signed = signWebhook(body, 'whsec_package_test_secret', 1774008000);
  let tampered = 'accepted';
  try { verifyWebhook(body.replace('evt_1', 'evt_2'), signed, 'whsec_package_test_secret', { now: new Date(1774008000 * 1000) }); } catch (e) { tampered = e.reason; }
  const account2 = await client.account(account);
  console.log(JSON.stringify({
    charged: [charged.allowed, charged.charge.cost, charged.replayed, again.replayed],
    denied: [denied.allowed, denied.reasons.map((r) => r.code)],
    quote: [quote.allowed, quote.cost, rules.version === charged.charge.rulesetVersion],
    held: [held.allowed, held.result, held.charge.cost],
    signature: [verifyWebhook(body, signed, 'whsec_package_test_secret', { now: new Date(1774008000 * 1000) }).id, tampered],
    balance: account2.balance,
  }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** The same, typed: it must compile against the package's declarations alone. */
const TYPED = `
import { RatecardClient, verifyWebhook, type AnyRatecardEvent, type ChargeResult, type Decision } from '@ratecard/client';
export async function run(client: RatecardClient): Promise<number> {
  const r: ChargeResult = await client.charge({ accountId: 'a', action: 'image.generate' });
  if (!r.allowed) return r.reasons.length + r.alternatives.length;
  const d: Decision = (await client.localRules({ watch: false })).quote({ plan: 'pro', action: 'image.generate' });
  const e: AnyRatecardEvent = verifyWebhook('{}', 't=1,v1=00', 'whsec_x');
  return e.type === 'balance.low' ? e.data.thresholdMillicredits : r.charge.costMillicredits + d.costMillicredits;
}
`;

/** The code block that follows `after` in the README. */
function readmeBlock(after: string, lang: 'js' | 'ts'): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(after);
  if (at < 0) throw new Error(`the README has no \`${after}\``);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(readme.slice(at));
  if (!m) throw new Error(`no ${lang} block after \`${after}\``);
  return m[1];
}

describe('the packed @ratecard/client in a fresh project', () => {
  const api = useApi('sqlite');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ratecard-client-pkg-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs offline with no dependencies, works from plain Node and type-checks from TypeScript', async () => {
    const tarball = execFileSync(process.execPath, [join(REPO_ROOT, 'libs/client/scripts/build.js'), '--pack', dir], { encoding: 'utf8' }).trim().split('\n').pop()!;
    const project = join(dir, 'service');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-service', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: project, stdio: 'pipe' });
    const installed = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')).packages;
    expect(Object.keys(installed).sort()).toEqual(['', 'node_modules/@ratecard/client']);

    const account = await api.createAccount({ plan: 'basic' });
    writeFileSync(join(project, 'use.js'), SCRIPT);
    // Asynchronously: the service answering it runs in this process.
    const { stdout: out } = await promisify(execFile)(process.execPath, ['use.js'], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', RATECARD_URL: api.url, RATECARD_KEY: api.service.key!, ACCOUNT: account.id } });
    expect(JSON.parse(out)).toEqual({
      charged: [true, 256, false, true],
      denied: [false, ['PLAN_REQUIRED']],
      quote: [true, 256, true],
      held: [true, 256, 64],
      signature: ['evt_1', 'signature-mismatch'],
      balance: 1500 - 256 - 64,
    });

    writeFileSync(join(project, 'typed.ts'), TYPED);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'commonjs', moduleResolution: 'node', target: 'ES2022', lib: ['ES2023'], typeRoots: [join(REPO_ROOT, 'node_modules/@types')], types: ['node'] }, files: ['typed.ts'] }),
    );
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, stdio: 'pipe' });

    // The README's examples, as written: the plain Node script runs, the NestJS service type-checks.
    const other = await api.createAccount({ plan: 'basic' });
    writeFileSync(join(project, 'bill-render.js'), readmeBlock('A plain Node script (the whole of it):', 'js'));
    const { stdout: billed } = await promisify(execFile)(process.execPath, ['bill-render.js', other.id, '8'], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', RATECARD_URL: api.url, RATECARD_KEY: api.service.key! } });
    expect(billed.split('\n')).toEqual(['8 s of video: 256 cr (Veo 3.1 Standard 32 cr/s × 8 s = 256)', 'rendered 6 s, charged 192 cr, balance 1308 cr', '']);
    writeFileSync(join(project, 'billing.module.ts'), readmeBlock('A NestJS service:', 'ts'));
    writeFileSync(
      join(project, 'tsconfig.nest.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, experimentalDecorators: true, module: 'commonjs', moduleResolution: 'node', target: 'ES2022', lib: ['ES2023'], typeRoots: [join(REPO_ROOT, 'node_modules/@types')], types: ['node'], baseUrl: '.', paths: { '@nestjs/common': [join(REPO_ROOT, 'node_modules/@nestjs/common')] } },
        files: ['billing.module.ts'],
      }),
    );
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.nest.json'], { cwd: project, stdio: 'pipe' });
  }, 240_000);
});
