#!/usr/bin/env node
/**
 * Builds the publishable @ratecard/client into libs/client/dist, and with --pack DIR packs it
 * (`npm pack`) into DIR, printing the tarball's path:
 *
 * - dist/index.js: the client bundled with esbuild (a pinned dev dependency) together with what it
 *   needs of @ratecard/engine and @ratecard/dsl (local quotes compile rules in-process) and their
 *   npm dependencies (json-rules-engine, yaml, ajv), so the package installs with no dependencies.
 * - dist/types: the client's declarations, emitted by tsc (only those its API reaches; any
 *   `@ratecard/<lib>` import is rewritten to a relative path).
 *
 *   npm run client:build             # dist only
 *   npm run client:pack -- /tmp/out  # dist, then the tarball in /tmp/out
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../../..');
const PKG = join(ROOT, 'libs/client');
const DIST = join(PKG, 'dist');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

async function bundle() {
  const esbuild = require(join(ROOT, 'node_modules/esbuild'));
  await esbuild.build({
    entryPoints: [join(PKG, 'src/index.ts')],
    outfile: join(DIST, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    tsconfig: join(ROOT, 'tsconfig.json'),
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

function declarations() {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(PKG, 'tsconfig.types.json')], { stdio: 'inherit' });
  const types = join(DIST, 'types');
  // `@ratecard/engine` -> a path relative to the declaration file (libs are folders under dist/types).
  for (const file of files(types).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(/(from\s+|import\()(['"])@ratecard\/(\w+)\2/g, (_m, lead, quote, lib) => {
      let rel = relative(dirname(file), join(types, lib, 'src', 'index')).split('\\').join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `${lead}${quote}${rel}${quote}`;
    });
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
  // Ship only the declarations the client's API reaches (tsc emits every file it compiled).
  const reached = new Set();
  const visit = (file) => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\()['"](\.[^'"]*)['"]/g)) {
      const base = resolve(dirname(file), spec);
      const target = [`${base}.d.ts`, join(base, 'index.d.ts')].find((f) => existsSync(f));
      if (target) visit(target);
    }
  };
  visit(join(types, 'client/src/index.d.ts'));
  for (const file of files(types)) if (!reached.has(file)) rmSync(file);
  for (const dir of ['engine', 'dsl']) if (existsSync(join(types, dir)) && files(join(types, dir)).length === 0) rmSync(join(types, dir), { recursive: true });
}

function pack(into) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', resolve(into)], { cwd: PKG, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return join(resolve(into), JSON.parse(out)[0].filename);
}

async function main() {
  const at = process.argv.indexOf('--pack');
  rmSync(DIST, { recursive: true, force: true });
  await bundle();
  declarations();
  if (at >= 0) process.stdout.write(`${pack(process.argv[at + 1] ?? '.')}\n`);
  else process.stdout.write(`built ${relative(ROOT, DIST)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
