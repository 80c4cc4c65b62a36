// The TextMate grammar tokenized by the real engine VS Code uses (vscode-textmate + oniguruma).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import { type IGrammar, INITIAL, parseRawGrammar, Registry } from 'vscode-textmate';

const repoRoot = resolve(__dirname, '../../..');
let grammar: IGrammar;

before(async () => {
  const wasm = readFileSync(join(repoRoot, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.dotprompt.promptsmith') return null; // source.yaml comes from VS Code's YAML extension
      const path = join(repoRoot, 'syntaxes/dotprompt.tmLanguage.json');
      return parseRawGrammar(readFileSync(path, 'utf8'), path);
    },
  });
  grammar = (await registry.loadGrammar('source.dotprompt.promptsmith'))!;
});

/** Each token as `text ⟨scopes without the root⟩`. */
function tokenize(source: string): { text: string; scopes: string[]; line: number }[] {
  let stack = INITIAL;
  const out: { text: string; scopes: string[]; line: number }[] = [];
  source.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.slice(1), line: i });
    stack = r.ruleStack;
  });
  return out;
}

function scopesOf(tokens: ReturnType<typeof tokenize>, text: string, line?: number): string[] {
  const hit = tokens.find((t) => t.text === text && (line === undefined || t.line === line));
  assert.ok(hit, `no token '${text}'${line === undefined ? '' : ` on line ${line}`}: ${JSON.stringify(tokens.map((t) => t.text))}`);
  return hit.scopes;
}

const file = `# Copyright 2025 Someone
# SPDX-License-Identifier: Apache-2.0
---
model: m
promptsmith.task:
  labels: { positive: " happy" }
---
{{! short }} {{!-- long --}} {{role "system"}}
Be brief. {{#if topic}}About {{topic.name}}{{else}}Anything{{/if}}
---
{{> persona name=who}} {{media url=photo}} {{softprompt "lead"}} \\{{literal}}
{{history}}`;

test('header comments, front matter as embedded YAML, promptsmith keys', () => {
  const tokens = tokenize(file);
  assert.ok(scopesOf(tokens, '# Copyright 2025 Someone'.slice(1), 0).includes('comment.line.number-sign.dotprompt'));
  assert.ok(scopesOf(tokens, '---', 2).includes('punctuation.definition.front-matter.begin.dotprompt'));
  assert.ok(scopesOf(tokens, 'model: m', 3).includes('meta.embedded.block.yaml'));
  assert.ok(scopesOf(tokens, 'promptsmith.task', 4).includes('support.type.property-name.promptsmith.dotprompt'));
  assert.ok(scopesOf(tokens, '---', 6).includes('punctuation.definition.front-matter.end.dotprompt'));
});

test('template: comments, role helper, blocks, variables, partials, media, escapes; a later --- stays text', () => {
  const tokens = tokenize(file);
  assert.ok(scopesOf(tokens, ' short ', 7).includes('comment.block.handlebars.dotprompt'));
  assert.ok(scopesOf(tokens, ' long ', 7).includes('comment.block.handlebars.dotprompt'));
  assert.ok(scopesOf(tokens, 'role', 7).includes('support.function.builtin.dotprompt'));
  assert.ok(scopesOf(tokens, 'system', 7).includes('constant.language.role.dotprompt'));
  assert.ok(scopesOf(tokens, 'if', 8).includes('keyword.control.block.dotprompt'));
  assert.ok(scopesOf(tokens, 'topic.name', 8).includes('variable.other.dotprompt'));
  assert.ok(scopesOf(tokens, 'else', 8).includes('keyword.control.else.dotprompt'));
  const fence = scopesOf(tokens, '---', 9);
  assert.ok(!fence.some((s) => s.includes('front-matter') || s.includes('yaml')), `template --- is text: ${fence}`);
  assert.ok(scopesOf(tokens, 'persona', 10).includes('entity.name.function.partial.dotprompt'));
  assert.ok(scopesOf(tokens, 'url', 10).includes('entity.other.attribute-name.dotprompt'));
  assert.ok(scopesOf(tokens, 'softprompt', 10).includes('support.function.builtin.dotprompt'));
  assert.ok(scopesOf(tokens, '\\{{', 10).includes('constant.character.escape.dotprompt'));
  assert.ok(scopesOf(tokens, 'history', 11).includes('support.function.builtin.dotprompt'));
});

test('files without front matter, and with it at the very start', () => {
  const plain = tokenize('Summarize: {{text}}\n---\n{{#each items}}{{this}}{{/each}}');
  assert.ok(scopesOf(plain, 'text').includes('variable.other.dotprompt'));
  assert.ok(!scopesOf(plain, '---').some((s) => s.includes('yaml')));
  assert.ok(scopesOf(plain, 'this').includes('variable.language.this.dotprompt'));
  const fm = tokenize('---\ninput: { schema: { q: string } }\n---\n{{q}}');
  assert.ok(scopesOf(fm, 'input: { schema: { q: string } }').includes('meta.embedded.block.yaml'));
  assert.ok(scopesOf(fm, 'q', 3).includes('variable.other.dotprompt'));
});
