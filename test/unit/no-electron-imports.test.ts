/**
 * DESIGN §1/§8: only main/electron (and the preload bundle) may load 'electron'. Under plain Node,
 * require('electron') starts a synchronous download of the Electron binary, so one stray import in
 * core, renderer or test code would hang or break every headless node and CI run.
 *
 * Files are parsed with the TypeScript compiler (not grepped), so strings and comments that mention
 * electron do not count, and `import type` (erased at build time) is allowed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['main', 'renderer', 'test'];
/** The Electron shell itself. (preload/ is outside the scanned folders.) */
const ALLOWED = ['main/electron/'];
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

const isElectron = (spec: string) => spec === 'electron' || spec.startsWith('electron/');

function specifierText(node: ts.Node | undefined): string | null {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;
}

const isCreateRequire = (e: ts.Expression) => ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'createRequire';

/** require, module.require, createRequire(x)(...), and any name bound to createRequire(x) in the file. */
function isRequireCallee(e: ts.Expression, requireNames: Set<string>): boolean {
  if (ts.isIdentifier(e)) return e.text === 'require' || requireNames.has(e.text);
  if (ts.isPropertyAccessExpression(e)) return e.name.text === 'require';
  return isCreateRequire(e);
}

/** Every runtime load of electron in a source text: `line: statement`. */
function findElectronLoads(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const requireNames = new Set<string>();
  const collect = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && isCreateRequire(n.initializer)) requireNames.add(n.name.text);
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const report = (n: ts.Node) => found.push(`${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${n.getText(sf).split('\n')[0]}`);
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n)) {
      const spec = specifierText(n.moduleSpecifier);
      // Only `import type ...` is erased for sure; `import { type X }` can survive as `import 'electron'`.
      if (spec && isElectron(spec) && !n.importClause?.isTypeOnly) report(n);
    } else if (ts.isExportDeclaration(n)) {
      const spec = specifierText(n.moduleSpecifier);
      if (spec && isElectron(spec) && !n.isTypeOnly) report(n);
    } else if (ts.isImportEqualsDeclaration(n)) {
      const ref = n.moduleReference;
      const spec = ts.isExternalModuleReference(ref) ? specifierText(ref.expression) : null;
      if (spec && isElectron(spec) && !n.isTypeOnly) report(n);
    } else if (ts.isCallExpression(n)) {
      const spec = specifierText(n.arguments[0]);
      if (spec && isElectron(spec) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || isRequireCallee(n.expression, requireNames))) report(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const rel = (p: string) => relative(ROOT, p).split(sep).join('/');

test('the detector catches every way of loading electron at run time, and only those', () => {
  const bad = [
    "import { app } from 'electron';",
    "import electron from 'electron';",
    "import * as E from 'electron';",
    "import 'electron';",
    "import { type App } from 'electron';",
    "import { ipcRenderer } from 'electron/renderer';",
    "export { app } from 'electron';",
    "export * from 'electron';",
    "const e = require('electron');",
    'const e = require(`electron`);',
    "const { app } = module.require('electron');",
    "const r = createRequire(import.meta.url); r('electron');",
    "createRequire(import.meta.url)('electron');",
    "const e = await import('electron');",
    "import x = require('electron');",
  ];
  for (const src of bad) assert.equal(findElectronLoads('x.ts', src).length, 1, src);
  const fine = [
    "import type { App } from 'electron';",
    "import type * as E from 'electron';",
    "export type { App } from 'electron';",
    "type E = typeof import('electron');",
    "import type x = require('electron');",
    "// require('electron') in a comment",
    "const s = \"import { app } from 'electron'\";",
    "import { app } from 'electron-builder';",
    "const y = require('electronics');",
    "const z = await import('./electron.ts');",
    "check('electron');",
  ];
  for (const src of fine) assert.deepEqual(findElectronLoads('x.ts', src), [], src);
});

test('no file outside main/electron (and preload) loads electron', () => {
  const files = SCANNED.flatMap((d) => sourceFiles(join(ROOT, d)));
  assert.ok(files.length > 20, `scanned ${files.length} files`);
  const violations: string[] = [];
  let shellLoads = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    // Parsing is the slow part; a file that never spells "electron" cannot load it by name.
    if (!text.includes('electron')) continue;
    const loads = findElectronLoads(f, text);
    if (ALLOWED.some((a) => rel(f).startsWith(a))) shellLoads += loads.length;
    else violations.push(...loads.map((l) => `${rel(f)}:${l}`));
  }
  assert.deepEqual(violations, [], `electron may only be imported in main/electron and preload:\n${violations.join('\n')}`);
  // Sanity: the shell itself does import electron, and the scan sees it.
  assert.ok(shellLoads > 0, 'expected main/electron to import electron');
});
