// Installed beside Google's Dotprompt extension (same language id `dotprompt`, grammar scope
// `source.dotprompt`): the test builds a stand-in of that extension, registers both manifests'
// grammars the way VS Code does, and tokenizes with the real vscode-textmate. VS Code
// (TMGrammarFactory, TMScopeRegistry) maps scopeName → grammar file and language → scopeName;
// for both the last registration wins, and a scope registered twice logs "Overwriting grammar
// scope name to file mapping". With its own scope name Promptsmith's grammar stays whole
// whichever extension registers last; the control case shows the collision a shared scope had.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, parseRawGrammar, Registry } from 'vscode-textmate';

const repoRoot = resolve(__dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'coexist-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface GrammarContribution {
  language?: string;
  scopeName: string;
  path: string;
}
interface Extension {
  id: string;
  dir: string;
  manifest: { contributes: { languages?: { id: string }[]; grammars?: GrammarContribution[] } };
}

/** The stand-in: Google's extension's language and grammar contributions, with a grammar that marks every line as its own. */
function buildStandIn(): Extension {
  const dir = join(work, 'google.dotprompt-vscode');
  mkdirSync(join(dir, 'syntaxes'), { recursive: true });
  const manifest = {
    name: 'dotprompt-vscode',
    publisher: 'google',
    contributes: {
      languages: [{ id: 'dotprompt', aliases: ['Dotprompt'], extensions: ['.prompt'] }],
      grammars: [{ language: 'dotprompt', scopeName: 'source.dotprompt', path: './syntaxes/dotprompt.tmLanguage.json' }],
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'syntaxes', 'dotprompt.tmLanguage.json'), JSON.stringify({ scopeName: 'source.dotprompt', patterns: [{ match: '.+', name: 'meta.standin.line' }] }));
  return { id: 'google.dotprompt-vscode', dir, manifest };
}

function ours(scopeOverride?: string): Extension {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Extension['manifest'];
  if (!scopeOverride) return { id: 'promptsmith.promptsmith', dir: repoRoot, manifest };
  // The control: Promptsmith as it was, sharing Google's scope name.
  const dir = join(work, 'promptsmith-shared-scope');
  mkdirSync(join(dir, 'syntaxes'), { recursive: true });
  const grammar = JSON.parse(readFileSync(join(repoRoot, 'syntaxes/dotprompt.tmLanguage.json'), 'utf8'));
  writeFileSync(join(dir, 'syntaxes/dotprompt.tmLanguage.json'), JSON.stringify({ ...grammar, scopeName: scopeOverride }));
  const grammars = manifest.contributes.grammars!.map((g) => ({ ...g, scopeName: scopeOverride }));
  return { id: 'promptsmith.promptsmith', dir, manifest: { contributes: { ...manifest.contributes, grammars } } };
}

/** VS Code's registration of `contributes.grammars`, in extension order. */
function registerGrammars(extensions: Extension[]) {
  const scopeToFile = new Map<string, string>();
  const languageToScope = new Map<string, string>();
  const warnings: string[] = [];
  for (const ext of extensions) {
    for (const g of ext.manifest.contributes.grammars ?? []) {
      const file = join(ext.dir, g.path);
      const existing = scopeToFile.get(g.scopeName);
      if (existing && existing !== file) warnings.push(`Overwriting grammar scope name to file mapping for scope ${g.scopeName}`);
      scopeToFile.set(g.scopeName, file);
      if (g.language) languageToScope.set(g.language, g.scopeName);
    }
  }
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scopeName) => {
      const file = scopeToFile.get(scopeName);
      return file ? parseRawGrammar(readFileSync(file, 'utf8'), file) : null;
    },
  });
  return { scopeToFile, languageToScope, warnings, registry };
}

/** Every scope the grammar of `scopeName` gives a small .prompt file. */
async function scopesOf(registry: Registry, scopeName: string): Promise<Set<string>> {
  const grammar = await registry.loadGrammar(scopeName);
  assert.ok(grammar, `no grammar for ${scopeName}`);
  const scopes = new Set<string>();
  let stack = INITIAL;
  for (const line of ['---', 'model: m', '---', 'Hello {{name}}', '{{#if x}}y{{/if}}']) {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) for (const s of t.scopes) scopes.add(s);
    stack = r.ruleStack;
  }
  return scopes;
}

before(async () => {
  const wasm = readFileSync(join(repoRoot, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
});

test('beside the stand-in of Google\'s extension, in either order, no scope is overwritten and each grammar stays whole', async () => {
  const standIn = buildStandIn();
  const ourScope = ours().manifest.contributes.grammars!.find((g) => g.language === 'dotprompt')!.scopeName;
  assert.notEqual(ourScope, 'source.dotprompt');
  for (const order of [
    [ours(), standIn],
    [standIn, ours()],
  ]) {
    const { scopeToFile, languageToScope, warnings, registry } = registerGrammars(order);
    assert.deepEqual(warnings, [], order.map((e) => e.id).join(' then '));
    assert.equal(scopeToFile.get(ourScope), join(repoRoot, 'syntaxes/dotprompt.tmLanguage.json'));
    assert.equal(languageToScope.get('dotprompt'), order[1]!.manifest.contributes.grammars![0]!.scopeName, 'VS Code highlights with the last one registered');
    const mine = await scopesOf(registry, ourScope);
    assert.ok(mine.has('meta.embedded.block.yaml') && [...mine].some((s) => s.includes('variable')), [...mine].join(' '));
    assert.ok(![...mine].some((s) => s.startsWith('meta.standin')));
    const theirs = await scopesOf(registry, 'source.dotprompt');
    assert.ok(theirs.has('meta.standin.line'));
  }
});

test('control: with the shared scope name (as before), the later extension replaced the other\'s grammar', async () => {
  const standIn = buildStandIn();
  const { warnings, registry } = registerGrammars([ours('source.dotprompt'), standIn]);
  assert.deepEqual(warnings, ['Overwriting grammar scope name to file mapping for scope source.dotprompt']);
  const scopes = await scopesOf(registry, 'source.dotprompt');
  assert.ok(!scopes.has('meta.embedded.block.yaml'), "Promptsmith's grammar is unreachable");
});

test("our grammar file names the manifest's scope and includes no other extension's scope", () => {
  const manifest = ours().manifest;
  const contribution = manifest.contributes.grammars!.find((g) => g.language === 'dotprompt')!;
  const text = readFileSync(join(repoRoot, contribution.path), 'utf8');
  assert.equal(JSON.parse(text).scopeName, contribution.scopeName);
  const includes = [...text.matchAll(/"include":\s*"([^"]+)"/g)].map((m) => m[1]!);
  assert.deepEqual(
    includes.filter((i) => !i.startsWith('#') && i !== '$self' && i !== '$base'),
    includes.filter((i) => i === 'source.yaml'),
  );
});
