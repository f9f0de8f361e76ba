import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { compileSection, writeGeneratedRules } from './compile/compile-section';
import { generateRuleFiles } from './compile/generate-rules';
import { engineSection } from './engine/engine-section';
import { localQuoteContender } from './engine/local-quote';
import { httpSection, startFixture, type Fixture } from './http/http-section';
import { ledgerCeiling } from './http/ledger-ceiling';
import { summarizeProfile, type ProfileSummary } from './http/profile';
import { pgSection } from './pg/pg-section';
import { evaluateTargets, renderReport, type BenchResults, type Meta } from './report';
import { bundledFiles, compileOrAbort } from './rules';
import { scaleAccounts, scaleActions, type AccountsScaleResult } from './scale-section';
import { BenchAbort, parseSettings, type Settings } from './settings';
import { studioFirstPage } from './studio-first-page';
import { studioSection } from './studio-section';

function git(settings: Settings, ...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: settings.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

async function main(): Promise<number> {
  const started = new Date();
  const t0 = process.hrtime.bigint();
  const settings = parseSettings(process.argv.slice(2), process.cwd());
  const loadAverageStart = loadavg();
  const log = (line: string): void => void process.stderr.write(`  ${line}\n`);
  const section = (title: string): void => void process.stderr.write(`\n${title}\n`);
  await mkdir(settings.outDir, { recursive: true });

  const bundled = await bundledFiles(settings.root);
  const compiled = await compileOrAbort(bundled, 'the bundled rules');
  const needsGenerated = settings.only.has('compile') || settings.only.has('scale');
  const generated = needsGenerated ? await writeGeneratedRules(settings) : undefined;
  const results: { -readonly [K in keyof Omit<BenchResults, 'meta' | 'targets'>]: BenchResults[K] } = {};

  if (settings.only.has('engine')) {
    section('1. engine: decide vs json-rules-engine vs a hand-written function');
    const files = generated?.files ?? generateRuleFiles(2_000, settings.seed).files;
    const withPromotions = await compileOrAbort(files, 'the generated rules');
    const withoutPromotions = await compileOrAbort(files.filter((f) => !f.path.endsWith('promotions.yaml')), 'the generated rules without promotions');
    results.engine = await engineSection(compiled, settings, log, { withPromotions, withoutPromotions }, [await localQuoteContender(compiled, bundled)]);
  }
  if (settings.only.has('compile')) {
    section('2. compile: validate + compile in a fresh process');
    results.compile = await compileSection(settings, generated!, log);
  }
  const profiles: ProfileSummary[] = [];
  if (results.compile?.profile) profiles.push(await summarizeProfile('compile of the generated rules (one more child process)', results.compile.profile));
  let accounts: AccountsScaleResult | undefined;
  if (settings.only.has('http') || settings.only.has('scale')) {
    const work = await mkdtemp(join(tmpdir(), 'ratecard-bench-'));
    const fixtures: Fixture[] = [];
    try {
      section('3. http: the built API under autocannon');
      const large = await startFixture(settings, compiled, work, 'accounts-100k', 100_000, log);
      fixtures.push(large);
      if (settings.only.has('http')) results.http = await httpSection(settings, large, log);
      if (settings.only.has('scale')) {
        section('4. scale: accounts and actions');
        const small = await startFixture(settings, compiled, work, 'accounts-100', 100, log);
        fixtures.push(small);
        accounts = await scaleAccounts(settings, small, large, log);
      }
      if (results.http) {
        // The ceiling of the HTTP charge rates: the same charges through the ledger alone, in this
        // process, on the same database (its server stopped first: SQLite has one writer).
        await large.server.stop();
        results.http = { ...results.http, ceiling: await ledgerCeiling(settings, compiled, large, log) };
      }
    } finally {
      for (const f of fixtures) await f.server.stop();
      await rm(work, { recursive: true, force: true });
    }
    for (const [label, file] of Object.entries(results.http?.profiles ?? {})) profiles.push(await summarizeProfile(`API server during the ${label} run`, file));
  }
  if (accounts) {
    // In process, after the servers stopped.
    results.scale = { accounts, actions: await scaleActions(settings, compiled, bundled, generated!.files, log) };
  }

  if (settings.only.has('pg')) {
    // After the SQLite servers stopped: only PostgreSQL and its API processes share the cores.
    section('5. pg: the built API on PostgreSQL, one and two processes');
    results.pg = await pgSection(settings, compiled, log);
    for (const [label, file] of Object.entries(results.pg.profiles ?? {})) profiles.push(await summarizeProfile(`API server during the ${label} run`, file));
  }

  if (settings.only.has('studio')) {
    section('6. studio: what the browser loads first');
    results.studio = { ...studioSection(settings, log), firstPage: await studioFirstPage(settings, compiled, log) };
  }

  if (profiles.length) results.profiles = profiles;

  const meta: Meta = {
    startedAt: started.toISOString(),
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    quick: settings.quick,
    sections: [...settings.only],
    seed: settings.seed,
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGB: totalmem() / 1e9,
    loadAverageStart,
    loadAverageEnd: loadavg(),
    commit: git(settings, 'rev-parse', '--short', 'HEAD') || 'unknown',
    uncommittedChanges: git(settings, 'status', '--porcelain', '--untracked-files=no') !== '',
    serverLogLevel: settings.serverLogLevel,
  };
  const report: BenchResults = { meta, targets: evaluateTargets(results), ...results };
  const markdown = renderReport(report);
  await writeFile(join(settings.outDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(settings.outDir, 'latest.md'), markdown);
  process.stdout.write('\n' + markdown);
  process.stderr.write(`\nwrote ${join(settings.outDir, 'latest.md').replace(settings.root + '/', '')} and latest.json\n`);
  return 0;
}

void main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    if (e instanceof BenchAbort) process.stderr.write(`\nbench: ${e.message}\n`);
    else process.stderr.write(`\nbench: failed: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
