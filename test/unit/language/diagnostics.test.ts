import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Dotprompt } from 'dotprompt';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { checkEnvironment, nodeEnvironment } from '../../../src/language/analysis/environmentChecks';
import { parsePromptFile, renderPromptFile } from '../../../src/promptFile/promptFile';

const repoRoot = resolve(__dirname, '../../..');
const validDir = join(repoRoot, 'test/unit/language/fixtures/valid');
const noTokenizer = () => {
  throw new Error('no tokenizer in this test');
};

/** Problems as `code severity "covered text"` for exact-range assertions. */
function described(source: string): string[] {
  return analyzePromptSource(source).problems.map((p) => `${p.code} ${p.severity} ${JSON.stringify(source.slice(p.start, p.end))}`);
}

test('real-world Dotprompt files have no errors and render with the dotprompt library', async () => {
  const files = readdirSync(validDir).filter((f) => f.endsWith('.prompt') && !f.startsWith('_'));
  assert.ok(files.length >= 8);
  for (const file of files) {
    const path = join(validDir, file);
    const source = readFileSync(path, 'utf8');
    const analysis = analyzePromptSource(source);
    // As a user with a default local model: files naming hosted (Genkit) models run on it.
    const env = checkEnvironment(analysis, nodeEnvironment(path, noTokenizer, 'onnx-community/SmolLM2-135M-Instruct'));
    const errors = [...analysis.problems, ...env].filter((p) => p.severity === 'error' || p.severity === 'warning');
    assert.deepEqual(errors, [], `${file} should open clean`);
    const parsed = parsePromptFile(source);
    parsed.path = path;
    const input = { topic: 'tea', product: 'Kettle', question: 'Hot?', customer: 'Ann', items: [{ name: 'cup', price: 2 }], photoUrl: 'https://example.com/cat.png' };
    const rendered = await renderPromptFile(parsed, input);
    assert.ok(rendered.messages.length >= 1, file);
    if (!parsed.header) assert.equal(parsed.template, new Dotprompt().parse(source).template, `${file}: same template as the library`);
  }
});

test('YAML errors are errors at the offending text', () => {
  const problems = analyzePromptSource('---\nmodel: x\nconfig: {temperature: 1\n---\nhi').problems;
  assert.deepEqual(problems.map((p) => p.code), ['yaml-syntax']);
  assert.ok(problems[0]!.start >= 'model: x\nconfig: {'.length + 4, 'points at the end of the unclosed flow map');
  assert.deepEqual(described('---\nmodel: a\nmodel: b\n---\nx'), ['yaml-syntax error "model"']);
  // The keys that did parse are still checked while one line is broken.
  assert.deepEqual(described('---\ninput: { schema: { name: string } }\nconfig: {temperature: 1\n---\nHi {{nmae}} {{name}}'), [
    'yaml-syntax error "\\n"',
    'undefined-variable warning "nmae"',
  ]);
});

test('Handlebars structure: unclosed block, unmatched close, unbalanced braces, syntax, unknown helper', () => {
  assert.deepEqual(described('Hi {{#if x}} there'), ['unclosed-block error "{{#if x}}"']);
  assert.deepEqual(described('Hi {{/each}} there'), ['unmatched-close-block error "{{/each}}"']);
  assert.deepEqual(described('{{#each a}}{{#if b}}x{{/each}}'), ['unclosed-block error "{{#if b}}"']);
  assert.deepEqual(described('Hi {{name there\nnext line'), ['unbalanced-braces error "{{name there"']);
  assert.deepEqual(described('ok {{a b=}} ok'), ['handlebars-syntax error "{{a b=}}"']);
  assert.deepEqual(described('{{shout name}}'), ['unknown-helper warning "shout"']);
  assert.deepEqual(described('{{!-- never closed'), ['unbalanced-braces error "{{!--"']);
  assert.deepEqual(described('escaped \\{{ is text, {{! a comment }} and {{{raw}}}'), []);
});

test('variables: undefined ones warn at the reference, unused ones are hints at the schema key', () => {
  const src = '---\ninput:\n  schema:\n    name: string\n    spare?: string\n---\n{{name}} {{nmae}} {{#each list}}{{title}} {{../extra}}{{/each}} {{@root.deep}}';
  assert.deepEqual(described(src), [
    'unused-variable hint "spare?"',
    'undefined-variable warning "nmae"',
    'undefined-variable warning "list"',
    'undefined-variable warning "../extra"',
    'undefined-variable warning "@root.deep"',
  ]);
  // A wildcard schema accepts any name; defaults count as declared.
  assert.deepEqual(described('---\ninput:\n  schema: { a: string, (*): any }\n---\n{{a}} {{b}}'), []);
  assert.deepEqual(described('---\ninput:\n  schema: { a: string }\n  default: { b: 1 }\n---\n{{a}} {{b}}'), []);
});

test('Picoschema errors with positions; named schemas are only information', () => {
  assert.deepEqual(described('---\ninput:\n  schema:\n    a: strin\n    b(list): string\n    c: 3\n    d: Recipe\n---\n{{a}}{{b}}{{c}}{{d}}'), [
    'picoschema error "strin"',
    'picoschema error "b(list)"',
    'picoschema error "3"',
    'picoschema-named-schema information "Recipe"',
  ]);
});

test('config keys and Promptsmith settings', () => {
  assert.deepEqual(described('---\nconfig: { temperature: hot, safetySettings: [] }\n---\nx'), ['config-type error "hot"', 'unknown-config-key warning "safetySettings"']);
  assert.deepEqual(described('---\npromptsmith.rl: { promptLength: 0, stepz: 3 }\npromptsmith.task: { labels: { yes: " yes", no: } }\n---\nx'), [
    'promptsmith-type error "0"',
    'promptsmith-unknown-key warning "stepz"',
    'label-without-verbalizer error "no"',
  ]);
  assert.deepEqual(described('---\nbogus: 1\n---\nx'), ['unknown-key warning "bogus"']);
});

test('environment: missing datasets and partials, unencodable verbalizers (real tokenizer folder)', async () => {
  const models = resolve(repoRoot, '../shared/models/stories260k-hf');
  const file = join(validDir, 'virtual.prompt');
  const src = `---\nmodel: ${models}\npromptsmith.task:\n  train: data/nope.jsonl\n  labels: { a: " happy", b: "\\uE000" }\n---\n{{> missing}} x`;
  const analysis = analyzePromptSource(src);
  const { loadTokenizer } = await import('../../../src/modelFiles/tokenizer');
  const problems = checkEnvironment(analysis, nodeEnvironment(file, loadTokenizer));
  const out = problems.map((p) => `${p.code} ${JSON.stringify(src.slice(p.start, p.end))}`);
  assert.ok(out.includes('dataset-missing "data/nope.jsonl"'), out.join('\n'));
  assert.ok(out.includes('unknown-partial "{{> missing}}"'), out.join('\n'));
  assert.ok(!out.some((o) => o.includes('happy')), 'a plain word encodes');
  const { existsSync } = await import('node:fs');
  if (!existsSync(join(models, 'tokenizer.json'))) return;
  const tokenizer = loadTokenizer(models);
  const unencodable = tokenizer.encode('\uE000', { addSpecialTokens: false });
  const expected = unencodable.length === 0 || (tokenizer.unkId !== undefined && unencodable.includes(tokenizer.unkId));
  assert.equal(out.some((o) => o.startsWith('verbalizer-unencodable')), expected, `ids for U+E000: ${unencodable}`);
});

test('soft prompt slots: bad names, a configured slot that is missing, several slots', () => {
  assert.deepEqual(described('{{softprompt lead}} {{softprompt "a b"}} {{softprompt "ok"}}'), [
    'softprompt-slot error "{{softprompt lead}}"',
    'softprompt-slot error "{{softprompt \\"a b\\"}}"',
  ]);
  assert.deepEqual(described('---\npromptsmith.softPrompt: { tokens: 4, slot: mood }\n---\n{{softprompt "lead"}} x'), ['softprompt-slot error "mood"']);
  assert.deepEqual(described('---\npromptsmith.softPrompt: { tokens: 4 }\n---\n{{softprompt "a"}} x {{softprompt "b"}}'), ['softprompt-slot warning "{{softprompt \\"b\\"}}"']);
  assert.deepEqual(described('---\npromptsmith.softPrompt: { tokens: 4, slot: b }\n---\n{{softprompt "a"}} x {{softprompt "b"}}'), []);
});

test('a hub id found in the local cache gives the tokenizer folder; never a download', async () => {
  const { mkdirSync, writeFileSync, mkdtempSync, copyFileSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { localTokenizerDir } = await import('../../../src/language/analysis/environmentChecks');
  const models = resolve(repoRoot, '../shared/models/stories260k-hf');
  const cache = mkdtempSync(join(tmpdir(), 'ps-hub-'));
  const snapshot = join(cache, 'models--tiny--stories', 'snapshots', 'abc123');
  mkdirSync(snapshot, { recursive: true });
  mkdirSync(join(cache, 'models--tiny--stories', 'refs'), { recursive: true });
  writeFileSync(join(cache, 'models--tiny--stories', 'refs', 'main'), 'abc123');
  if (existsSync(join(models, 'tokenizer.json'))) copyFileSync(join(models, 'tokenizer.json'), join(snapshot, 'tokenizer.json'));
  else writeFileSync(join(snapshot, 'tokenizer.json'), '{}');
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = cache;
  try {
    const env = nodeEnvironment(join(validDir, 'x.prompt'), noTokenizer);
    assert.equal(localTokenizerDir(analyzePromptSource('---\nmodel: tiny/stories\n---\nx'), env), snapshot);
    assert.equal(localTokenizerDir(analyzePromptSource('---\nmodel: tiny/absent\n---\nx'), env), undefined);
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  }
});

test('fields of list items are checked inside {{#each}} when the schema gives them', () => {
  const schema = '---\ninput:\n  schema:\n    items(array):\n      name: string\n    tags(array): string\n    user(object):\n      id: string\n---\n';
  assert.deepEqual(described(`${schema}{{#each items}}{{name}} {{nmae}} {{this}} {{@index}}{{/each}} {{#each tags}}{{this}}{{/each}} {{#with user}}{{id}} {{idd}}{{/with}}`), [
    'undefined-variable warning "nmae"',
    'undefined-variable warning "idd"',
  ]);
  // Block params name the item themselves; nested blocks are not guessed.
  assert.deepEqual(described(`${schema}{{#each items as |it|}}{{it.name}}{{/each}}{{#with user}}{{#each ../items}}{{zz}}{{/each}}{{id}}{{/with}}{{tags}}`), []);
});

test('the promptsmith.model setting stands in for a missing model: (absolute folders or hub ids only)', async () => {
  const { localTokenizerDir } = await import('../../../src/language/analysis/environmentChecks');
  const models = resolve(repoRoot, '../shared/models/stories260k-hf');
  const { existsSync } = await import('node:fs');
  if (!existsSync(join(models, 'tokenizer.json'))) return;
  const noModel = analyzePromptSource('---\n---\nx');
  assert.equal(localTokenizerDir(noModel, nodeEnvironment(join(validDir, 'x.prompt'), noTokenizer, models)), models);
  assert.equal(localTokenizerDir(noModel, nodeEnvironment(undefined, noTokenizer, models)), models);
  assert.equal(localTokenizerDir(noModel, nodeEnvironment(join(validDir, 'x.prompt'), noTokenizer, './relative/model')), undefined);
  const own = analyzePromptSource('---\nmodel: ./elsewhere\n---\nx');
  assert.equal(localTokenizerDir(own, nodeEnvironment(join(validDir, 'x.prompt'), noTokenizer, models)), undefined, "the file's own model wins");
});

test('promptsmith.variants: named templates are read; a bad name, an empty template or a non-map is an error at its place', () => {
  const good = parsePromptFile('---\npromptsmith.variants:\n  felt: "{{text}} They felt"\n  q-2: "{{text}} Were they happy?"\n---\n{{text}} They were\n');
  assert.deepEqual(good.variants, { felt: '{{text}} They felt', 'q-2': '{{text}} Were they happy?' });
  assert.deepEqual(good.problems, []);
  assert.deepEqual(described('---\npromptsmith.variants:\n  "bad name": "{{text}} x"\n  empty: ""\n---\nhi\n'), [
    `promptsmith-type error "\\"{{text}} x\\""`,
    'promptsmith-type error "\\"\\""',
  ]);
  assert.deepEqual(described('---\npromptsmith.variants: [a, b]\n---\nhi\n'), ['promptsmith-type error "[a, b]"']);
});
