#!/usr/bin/env node
/**
 * `npm run soak`: the reliability suites (test/reliability) run longer (RATECARD_SOAK=1 scales each
 * scenario by RATECARD_SOAK_SCALE, 10 by default), then the figures each scenario recorded are
 * printed: operations, failures by status, invariant checks, problems found, throughput, latency.
 * Extra arguments go to jest, e.g. `npm run soak -- -t crash`. Exits with jest's exit code.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ratecard-soak-'));
const figures = join(dir, 'figures.jsonl');
const scale = process.env.RATECARD_SOAK_SCALE || '10';

process.stdout.write(`ratecard soak: test/reliability at ${scale}x (RATECARD_SOAK_SCALE)\n\n`);
const started = Date.now();
const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest', { paths: [root] }), '--runInBand', 'test/reliability', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, RATECARD_SOAK: '1', RATECARD_SOAK_SCALE: scale, RATECARD_FIGURES: figures },
});

const rows = existsSync(figures)
  ? readFileSync(figures, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
rmSync(dir, { recursive: true, force: true });

const failures = (f) =>
  Object.entries(f)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ') || '-';
const table = [['scenario', 'database', 'operations', 'failures (by status)', 'invariant checks', 'problems', 'seconds', 'ops/s', 'p50/p99 ms']].concat(
  rows.map((r) => [r.scenario, r.database, String(r.operations), failures(r.failures), String(r.invariantChecks), String(r.problems), r.seconds.toFixed(1), String(r.throughput), r.latency || '-']),
);
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row) => row.map((cell, i) => (i >= 2 && i !== 3 && i !== 8 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');

process.stdout.write(`\nratecard soak figures (${((Date.now() - started) / 1000).toFixed(0)} s)\n\n`);
process.stdout.write(`${line(table[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
for (const row of table.slice(1)) process.stdout.write(`${line(row)}\n`);
for (const r of rows) if (r.notes) process.stdout.write(`\n  ${r.scenario} (${r.database}): ${r.notes}`);
const total = rows.reduce((a, r) => ({ operations: a.operations + r.operations, checks: a.checks + r.invariantChecks, problems: a.problems + r.problems }), { operations: 0, checks: 0, problems: 0 });
process.stdout.write(`\n\ntotal: ${total.operations} operations, ${total.checks} invariant checks, ${total.problems} problems; jest exit code ${jest.status}\n`);
process.exit(jest.status ?? 1);
