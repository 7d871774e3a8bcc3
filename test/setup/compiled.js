// The library and its tests as JavaScript, compiled once per run. The tests that start another Node.js
// (a child process, a synth's worker thread) load the library from it, as a user's app loads the
// package, instead of compiling the TypeScript sources again in each process; the shared project's
// workers load every .ts file from it (light-register.mjs). jest's globalSetup (jest.config.js)
// brings the copy up to date once per run: SWC transpiles each .ts file of src/, imports/ and test/
// whose content differs from the source its copy was made from (the options of the package tests'
// @swc/jest, with an inline source map), copies the library's other files (data it reads beside its
// modules), and removes the copies of files that are gone. The copy keeps the project's layout, so
// relative imports and the package root (the nearest package.json above a module) resolve as from the
// sources.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
/** Where the compiled copy lives: `<COMPILED>/src/index.js` is src/index.ts compiled. */
const COMPILED = path.join(ROOT, 'node_modules', '.cache', 'cdk8s-mesh', 'compiled');
const SOURCES = ['src', 'imports', 'test'];
/** The folders whose files other than TypeScript are copied: the library's. */
const DATA = ['src', 'imports'];

/** The folder of a directory entry read recursively (`parentPath` from Node.js 20.12, `path` before). */
function folderOf(entry) {
  return entry.parentPath ?? entry.path;
}

/** The files under `dir` to compile or copy (relative to the root): .ts files, .d.ts aside, and data where `DATA` says. */
function sourceFiles(dir) {
  if (!fs.existsSync(path.join(ROOT, dir))) return [];
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.d.ts') && (e.name.endsWith('.ts') || DATA.includes(dir)))
    .map((e) => path.relative(ROOT, path.join(folderOf(e), e.name)));
}

/**
 * SWC's options: no type-check, CommonJS, as the package tests' @swc/jest, with an inline source map. The map
 * leaves out the sources' text (sourcesContent): a stack names the TypeScript file and line from the mappings
 * alone, and jest reads the lines it shows from the file. With the text the copies took 18 MB instead of 11 (the
 * copy of imports/networking.istio.io.ts 2 MB instead of 0.7), read, and their maps decoded, by every worker.
 */
const SWC_OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  inlineSourcesContent: false,
  swcrc: false,
};

/** `code`, the TypeScript of `file`, as CommonJS. */
function transpile(code, file) {
  return require('@swc/core').transformSync(code, { ...SWC_OPTIONS, filename: file }).code;
}

/**
 * Each copied file's source, by its path relative to the root: a hash of its content, SWC's version
 * and options, so a copy is used only for the very source it was made from (whatever the files'
 * times say: a checkout, a copy that keeps times).
 */
const INDEX = path.join(COMPILED, 'sources.json');
let index;

function sourceHash(content) {
  const swc = `${require('@swc/core/package.json').version} ${JSON.stringify(SWC_OPTIONS)}`;
  return crypto.createHash('sha256').update(swc).update('\0').update(content).digest('hex');
}

/** `parse` of the file's text, or `otherwise` where it cannot be read (no copy made yet). */
function readOr(file, parse, otherwise) {
  try {
    return parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return otherwise;
  }
}

/**
 * The compiled code of `file`, a .ts file of the project whose source is `code`: its compiled copy
 * when that was made from `code`, else `code` transpiled.
 */
function compiledCode(code, file) {
  const rel = path.relative(ROOT, file);
  index ??= readOr(INDEX, (text) => JSON.parse(text), {});
  if (index[rel] === sourceHash(code)) {
    const copy = readOr(path.join(COMPILED, rel.replace(/\.ts$/, '.js')), (text) => text, undefined);
    if (copy !== undefined) return copy;
  }
  return transpile(code, file);
}

/** Brings the compiled copy up to date; returns how many files were compiled or copied. */
function compileLibrary() {
  const before = readOr(INDEX, (text) => JSON.parse(text), {});
  const after = {};
  const wanted = new Set([INDEX]);
  let compiled = 0;
  for (const file of SOURCES.flatMap(sourceFiles)) {
    const typescript = file.endsWith('.ts');
    const out = path.join(COMPILED, typescript ? file.replace(/\.ts$/, '.js') : file);
    wanted.add(out);
    const content = fs.readFileSync(path.join(ROOT, file));
    after[file] = sourceHash(content);
    if (before[file] === after[file] && fs.existsSync(out)) continue;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (typescript) {
      fs.writeFileSync(out, transpile(content.toString('utf8'), path.join(ROOT, file)));
    } else {
      // a data file the library reads beside its module (the example app's cluster snapshot)
      fs.copyFileSync(path.join(ROOT, file), out);
    }
    compiled++;
  }
  fs.mkdirSync(COMPILED, { recursive: true });
  fs.writeFileSync(INDEX, JSON.stringify(after));
  for (const e of fs.readdirSync(COMPILED, { recursive: true, withFileTypes: true })) {
    const file = path.join(folderOf(e), e.name);
    if (e.isFile() && !wanted.has(file)) fs.rmSync(file);
  }
  return compiled;
}

/**
 * Modules of the compiled copy (paths relative to the root, `src/index` for the package entry) loaded
 * anew: every module of the copy is dropped from Node's module cache first, so they form a copy of the
 * library of their own, as a second node_modules would hold it; other packages (cdk8s) stay shared, as
 * npm dedupes a peer dependency. It stands in for jest.isolateModules, which jest-light-runner lacks.
 */
function freshCopy(...modules) {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(COMPILED + path.sep)) delete require.cache[key];
  }
  return modules.map((m) => require(path.join(COMPILED, m)));
}

module.exports = { COMPILED, compileLibrary, compiledCode, freshCopy };
