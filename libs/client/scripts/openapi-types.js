#!/usr/bin/env node
/**
 * The client's types from the service's OpenAPI document: writes libs/client/src/generated/openapi.ts
 * with openapi-typescript (a pinned dev dependency), or with --check fails when the checked-in file
 * differs from what the document generates (a test runs that against the running API).
 *
 *   npm run client:types                                   # the document of the built API (npm run build first)
 *   node libs/client/scripts/openapi-types.js --doc d.json [--check]
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../../..');
const OUT = join(ROOT, 'libs/client/src/generated/openapi.ts');
const CLI = join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');

/** The OpenAPI document of the built API, read from the app without listening on a port. */
async function documentOfBuiltApi(scratch) {
  const { createApp } = require(join(ROOT, 'dist/apps/api/apps/api/src/app.js'));
  const { loadConfig } = require(join(ROOT, 'dist/apps/api/apps/api/src/config.js'));
  const env = { DATABASE_URL: `sqlite:${join(scratch, 'openapi.db')}`, RULES_DIR: join(ROOT, 'rules'), LOG_LEVEL: 'silent', RATECARD_ADMIN_KEY: 'rck_openapi_document_only_0000', WEBHOOK_DISPATCH_MS: '0', SWEEP_INTERVAL_MS: '0', RULES_POLL_MS: '3600000' };
  const { config, problems } = loadConfig(env, ROOT);
  if (!config) throw new Error(problems.map((p) => `${p.variable}: ${p.message}`).join('; '));
  const app = await createApp(config);
  try {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs/openapi.json' });
    return res.body;
  } finally {
    await app.close();
  }
}

/** The TypeScript openapi-typescript generates for a document. */
function generate(docFile, scratch) {
  const out = join(scratch, 'openapi.ts');
  execFileSync(process.execPath, [CLI, docFile, '--output', out, '--alphabetize', '--immutable'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return `// Generated from the service's OpenAPI document by libs/client/scripts/openapi-types.js (npm run client:types).\n${readFileSync(out, 'utf8')}`;
}

async function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const at = args.indexOf('--doc');
  const scratch = mkdtempSync(join(tmpdir(), 'ratecard-openapi-'));
  try {
    let docFile;
    if (at >= 0) docFile = resolve(args[at + 1]);
    else {
      docFile = join(scratch, 'openapi.json');
      writeFileSync(docFile, await documentOfBuiltApi(scratch));
    }
    const text = generate(docFile, scratch);
    if (check) {
      let current = '';
      try {
        current = readFileSync(OUT, 'utf8');
      } catch {
        // missing: differs
      }
      if (current !== text) {
        process.stderr.write('libs/client/src/generated/openapi.ts does not match the API\'s OpenAPI document: run `npm run build && npm run client:types` and commit it\n');
        process.exitCode = 1;
      }
      return;
    }
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, text);
    process.stdout.write(`wrote ${OUT}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
