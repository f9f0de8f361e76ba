import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../support/rules';

// The core is pure (BRIEF, STYLE): libs/dsl and libs/engine never import Nest, MikroORM, the file
// system or another IO module, never read `process.env`, and never read the clock (`Date.now()`,
// `new Date()` without arguments, `Date()`): time is a parameter. Checked on the TypeScript syntax
// tree of every source file (specs excepted, they may read fixtures), and the checker itself is
// checked on planted violations, so this test cannot pass by seeing nothing.

const PURE_LIBS = ['libs/dsl/src', 'libs/engine/src'];

/** Module specifiers the core may not load, and why. */
const FORBIDDEN_MODULES: readonly [RegExp, string][] = [
  [/^@nestjs\//, 'Nest belongs to the apps'],
  [/^@mikro-orm\//, 'the database belongs to libs/ledger'],
  [/^(node:)?fs(\/promises)?$/, 'files belong to the edges (libs/sources, the apps)'],
  [/^(node:)?(child_process|net|http|https|http2|dgram|worker_threads|cluster)$/, 'IO belongs to the edges'],
  [/^@ratecard\/(ledger|sources)$/, 'an IO lib'],
];

interface Violation {
  readonly at: string;
  readonly rule: string;
}

/** `name` or `globalThis.name`. */
function isGlobal(node: ts.Node, name: string): boolean {
  if (ts.isIdentifier(node)) return node.text === name;
  return ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'globalThis' && node.name.text === name;
}

/** Every way `text` (one source file) breaks the core's purity. */
function impurities(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: Violation[] = [];
  const report = (node: ts.Node, rule: string): void => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ at: `${file}:${line + 1}:${character + 1}`, rule });
  };
  const checkModule = (node: ts.Node, specifier: ts.Expression | undefined): void => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) {
      report(node, 'a module loaded by a computed name');
      return;
    }
    for (const [pattern, why] of FORBIDDEN_MODULES) if (pattern.test(specifier.text)) report(node, `imports \`${specifier.text}\`: ${why}`);
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) checkModule(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) checkModule(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isGlobal(node.expression, 'require'))) checkModule(node, node.arguments[0]);
    // process.env, process['env'], const { env } = process
    if ((ts.isPropertyAccessExpression(node) && isGlobal(node.expression, 'process') && node.name.text === 'env') || (ts.isElementAccessExpression(node) && isGlobal(node.expression, 'process'))) {
      report(node, 'reads `process.env`: take options as arguments');
    }
    if (ts.isVariableDeclaration(node) && node.initializer && ts.isObjectBindingPattern(node.name) && isGlobal(node.initializer, 'process')) report(node, 'reads `process.env`: take options as arguments');
    // Date.now(), new Date(), Date()
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && isGlobal(node.expression.expression, 'Date') && node.expression.name.text === 'now') report(node, 'reads the clock (`Date.now()`): time is a parameter');
    if (ts.isNewExpression(node) && isGlobal(node.expression, 'Date') && (node.arguments?.length ?? 0) === 0) report(node, 'reads the clock (`new Date()`): time is a parameter');
    if (ts.isCallExpression(node) && isGlobal(node.expression, 'Date')) report(node, 'reads the clock (`Date()`): time is a parameter');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.(spec|e2e-spec|d)\.ts$/.test(name) ? [path] : [];
  });
}

describe('the pure core (libs/dsl, libs/engine)', () => {
  const files = PURE_LIBS.flatMap((dir) => sourceFiles(join(REPO_ROOT, dir)));

  it('imports no Nest, MikroORM, file system or IO module, reads no environment and no clock', () => {
    expect(files.length).toBeGreaterThan(20);
    const violations = files.flatMap((file) => impurities(relative(REPO_ROOT, file), readFileSync(file, 'utf8')));
    expect(violations.map((v) => `${v.at}: ${v.rule}`)).toEqual([]);
  });

  describe('the checker finds what is planted', () => {
    it.each([
      ["import { Injectable } from '@nestjs/common';", 'imports `@nestjs/common`'],
      ["import type { EntityManager } from '@mikro-orm/core';", 'imports `@mikro-orm/core`'],
      ["import { readFileSync } from 'node:fs';", 'imports `node:fs`'],
      ["import * as fs from 'fs';", 'imports `fs`'],
      ["import { readFile } from 'fs/promises';", 'imports `fs/promises`'],
      ["export { x } from '@nestjs/core';", 'imports `@nestjs/core`'],
      ["import fs = require('fs');", 'imports `fs`'],
      ["const fs = require('node:fs');", 'imports `node:fs`'],
      ["const fs = await import('node:fs/promises');", 'imports `node:fs/promises`'],
      ['const m = await import(name);', 'a module loaded by a computed name'],
      ["import { spawn } from 'node:child_process';", 'imports `node:child_process`'],
      ["import { Ledger } from '@ratecard/ledger';", 'imports `@ratecard/ledger`'],
      ['const level = process.env.LOG_LEVEL;', 'reads `process.env`'],
      ["const level = process['env'].LOG_LEVEL;", 'reads `process.env`'],
      ['const level = globalThis.process.env.LOG_LEVEL;', 'reads `process.env`'],
      ['const { env } = process;', 'reads `process.env`'],
      ['const t = Date.now();', 'reads the clock (`Date.now()`)'],
      ['const t = globalThis.Date.now();', 'reads the clock (`Date.now()`)'],
      ['const t = new Date();', 'reads the clock (`new Date()`)'],
      ['const t = new Date;', 'reads the clock (`new Date()`)'],
      ['const t = Date();', 'reads the clock (`Date()`)'],
    ])('`%s`', (planted, rule) => {
      const found = impurities('planted.ts', `export const before = 1;\n${planted}\n`);
      expect(found).toEqual([{ at: expect.stringMatching(/^planted\.ts:2:\d+$/), rule: expect.stringContaining(rule) }]);
    });

    it.each([
      "import { parseDocument } from 'yaml';",
      "import { createHash } from 'node:crypto';",
      "import type { RuleSet } from '@ratecard/dsl';",
      'const t = new Date(0);',
      'const t = new Date(now.getTime() + 1000);',
      'const t = Date.UTC(2026, 0, 1);',
      'const t = clock.now();',
      'const v = options.env;',
    ])('and nothing in `%s`', (allowed) => {
      expect(impurities('allowed.ts', allowed)).toEqual([]);
    });
  });
});
