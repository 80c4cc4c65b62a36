// The house rules of DESIGN.md, checked on the sources (type-only imports included, since a type
// cycle is still a cycle for a reader): no import cycles in src/; `vscode` only under
// src/extension/; onnxruntime only in the runtime gateway; engine tasks/tuning never import the
// engine host; the language server never imports engine code; src/datasets stays neutral. Exit 1 with one line per breach.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const files = sourceFiles(src);
/** file → { local: resolved files it imports, packages: bare specifiers } */
const graph = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const local = [];
  const packages = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (spec.startsWith('.')) {
      const target = resolveImport(file, spec);
      if (target) local.push(target);
    } else packages.push(spec);
  }
  graph.set(file, { local, packages });
}

const rel = (f) => relative(root, f).split('\\').join('/');
const problems = [];

// 1. Package boundaries.
const RUNTIME_GATEWAY = 'src/engine/runtime/ort.ts';
for (const [file, { local, packages }] of graph) {
  const r = rel(file);
  for (const p of packages) {
    if ((p === 'vscode' || p.startsWith('vscode/')) && !r.startsWith('src/extension/')) problems.push(`${r}: imports 'vscode' outside src/extension/`);
    if (p.startsWith('onnxruntime') && r !== RUNTIME_GATEWAY) problems.push(`${r}: imports '${p}' (only ${RUNTIME_GATEWAY} may)`);
  }
  for (const target of local) {
    const t = rel(target);
    if (/^src\/engine\/(tasks|tuning)\//.test(r) && t.startsWith('src/engine/host/')) problems.push(`${r}: imports ${t} (engine tasks/tuning never import the engine host)`);
    if (r.startsWith('src/language/') && t.startsWith('src/engine/')) problems.push(`${r}: imports ${t} (the language server uses src/promptFile and src/modelFiles, never engine code)`);
    if (r.startsWith('src/engine/') && t.startsWith('src/language/')) problems.push(`${r}: imports ${t} (the engine uses src/promptFile, not the language server's code)`);
    if (r.startsWith('src/protocol/') && /^src\/(engine|language|extension|cli|runs)\//.test(t)) problems.push(`${r}: imports ${t} (the protocol is shared by every process and imports none of them)`);
    if (!r.startsWith('src/extension/') && t.startsWith('src/extension/')) problems.push(`${r}: imports ${t} (only the extension imports extension code)`);
    if ((r.startsWith('src/promptFile/') || r.startsWith('src/modelFiles/')) && /^src\/(engine|language|extension|cli|runs)\//.test(t)) problems.push(`${r}: imports ${t} (a neutral module below every process)`);
    if (r.startsWith('src/runs/') && /^src\/(engine|language|extension|cli)\//.test(t)) problems.push(`${r}: imports ${t} (src/runs is a neutral module)`);
    if (r.startsWith('src/datasets/') && /^src\/(engine|language|extension|cli|runs)\//.test(t)) problems.push(`${r}: imports ${t} (src/datasets is a neutral module)`);
  }
}

// 2. Cycles (Tarjan's strongly connected components).
let index = 0;
const stack = [];
const onStack = new Set();
const indices = new Map();
const lows = new Map();
function visit(v) {
  indices.set(v, index);
  lows.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v).local) {
    if (!indices.has(w)) {
      visit(w);
      lows.set(v, Math.min(lows.get(v), lows.get(w)));
    } else if (onStack.has(w)) lows.set(v, Math.min(lows.get(v), indices.get(w)));
  }
  if (lows.get(v) === indices.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) problems.push(`import cycle: ${component.map(rel).sort().join(' ⇄ ')}`);
  }
}
for (const v of graph.keys()) if (!indices.has(v)) visit(v);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-architecture: ${problems.length} problem(s) in ${files.length} files`);
  process.exit(1);
}
console.log(`check-architecture: ${files.length} files, no import cycles, boundaries hold`);
