// Jest transform for the few ESM-only packages in node_modules that the API loads (content-disposition,
// through @fastify/static for /docs). Node 20 loads them with require(esm); Jest's runtime cannot before
// Node 24.9, so they are transpiled to CommonJS with the TypeScript compiler the project already uses.
const ts = require('typescript');

module.exports = {
  process(source, filename) {
    const { outputText, sourceMapText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, allowJs: true, esModuleInterop: true, sourceMap: true },
    });
    return { code: outputText, map: sourceMapText };
  },
};
