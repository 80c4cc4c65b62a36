import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadTokenizer } from '../../../src/engine/runtime/tokenizer';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { codeLenses } from '../../../src/language/features/codeLens';
import { completionsAt } from '../../../src/language/features/completion';
import { formatPromptSource } from '../../../src/language/features/formatting';
import { hoverAt } from '../../../src/language/features/hover';
import { addVariableToSchema } from '../../../src/language/features/quickFix';
import { documentSymbols } from '../../../src/language/features/symbols';

const repoRoot = resolve(__dirname, '../../..');
const modelDir = resolve(repoRoot, '../shared/models/stories260k-hf');

/** Completion labels at the `|` in the source. */
function labelsAt(withCursor: string, partials: string[] = []): string[] {
  const offset = withCursor.indexOf('|');
  const source = withCursor.slice(0, offset) + withCursor.slice(offset + 1);
  return completionsAt(analyzePromptSource(source), offset, partials).map((c) => c.label);
}

test('completion: front-matter keys at every level, enum values, template variables, helpers, partials, block close', () => {
  const top = labelsAt('---\nmo|\n---\nx');
  assert.ok(top.includes('model') && top.includes('promptsmith.task') && top.includes('promptsmith.softPrompt'));
  assert.ok(labelsAt('---\nconfig:\n  te|\n---\nx').includes('temperature'));
  assert.deepEqual(labelsAt('---\npromptsmith.task:\n  |\n---\nx'), ['train', 'dev', 'test', 'metric', 'reference', 'labels']);
  assert.ok(labelsAt('---\npromptsmith.rl: { promptLength: 5, |\n---\nx').includes('steps'));
  assert.deepEqual(labelsAt('---\npromptsmith.softPrompt:\n  init: |\n---\nx'), ['RANDOM', 'SAMPLE_VOCAB', 'TEXT']);
  assert.deepEqual(labelsAt('---\ninput:\n  |\n---\nx'), ['schema', 'default']);
  const vars = labelsAt('---\ninput:\n  schema: { text: string, mood?: string }\n---\nSay {{|');
  assert.ok(vars.includes('text') && vars.includes('mood') && vars.includes('role') && vars.includes('softprompt'));
  assert.deepEqual(labelsAt('---\n---\n{{> |', ['persona', 'footer']), ['persona', 'footer']);
  const items = '---\ninput:\n  schema:\n    who: string\n    items(array):\n      name: string\n      price?: number\n---\n';
  const inEach = labelsAt(`${items}{{#each items}}{{|`);
  assert.ok(inEach.includes('name') && inEach.includes('price') && !inEach.includes('who'), inEach.join());
  const after = labelsAt(`${items}{{#each items}}{{name}}{{/each}} {{|`);
  assert.ok(after.includes('who') && !after.includes('price'));
  assert.deepEqual(labelsAt('---\n---\n{{#each xs}}{{#if y}}a{{/if}} {{/|'), ['each']);
  assert.ok(labelsAt('---\n---\n{{#|').every((l) => ['if', 'unless', 'each', 'with', 'ifEquals', 'unlessEquals'].includes(l)));
  assert.deepEqual(labelsAt('---\n---\n{{! no completion in comments |'), []);
  assert.deepEqual(labelsAt('---\n---\nplain text |'), []);
});

test('hover: schema type and description, helper docs, key docs, token count with the real tokenizer', async () => {
  const source = '---\nmodel: MODEL\ninput:\n  schema:\n    text: string, the story so far\n  default: { text: "Tom had a dog." }\n---\n{{role "user"}}{{text}} They were';
  const analysis = analyzePromptSource(source.replace('MODEL', modelDir));
  const src = analysis.parsed.source;
  const at = async (needle: string, delta = 1) => {
    const found = await hoverAt(analysis, src.indexOf(needle) + delta, () => ({ tokenizer: loadTokenizer(modelDir) }));
    return (found?.hover.contents as { value?: string } | undefined)?.value ?? '';
  };
  assert.equal(await at('{{text}}', 3), '**text**: `string` — the story so far');
  assert.match(await at('role'), /Starts a new message/);
  const listSource = '---\ninput:\n  schema:\n    items(array):\n      price?: number, in euros\n---\n{{#each items}}{{price}}{{/each}}';
  const list = await hoverAt(analyzePromptSource(listSource), listSource.indexOf('{{price}}') + 3, () => ({ tokenizer: 'none' }));
  assert.equal((list!.hover.contents as { value: string }).value, '**items[].price**: `number` (optional) — in euros');
  assert.match(await at('model:'), /local folder/);
  if (!existsSync(join(modelDir, 'tokenizer.json'))) return;
  const tokenizer = loadTokenizer(modelDir);
  const expected = tokenizer.encode('Tom had a dog. They were', { addSpecialTokens: true }).length;
  assert.match(await at('They', 2), new RegExp(`^\\*\\*${expected} tokens\\*\\*`));
  const labels = analyzePromptSource(`---\nmodel: ${modelDir}\npromptsmith.task:\n  labels: { positive: " happy", negative: " sad" }\n---\nx`);
  const sadAt = labels.parsed.source.indexOf('" sad"') + 2;
  const sad = await hoverAt(labels, sadAt, () => ({ tokenizer }));
  const sadIds = tokenizer.encode(' sad', { addSpecialTokens: false });
  assert.match((sad!.hover.contents as { value: string }).value, new RegExp(`^\\*\\*negative\\*\\* → verbalizer \`" sad"\`: ${sadIds.length} tokens`));
  const noModel = analyzePromptSource('---\n---\nHello there');
  const found = await hoverAt(noModel, 12, () => ({ tokenizer: 'no local model' }));
  assert.match((found!.hover.contents as { value: string }).value, /no local model/);
});

test('document symbols: front matter keys, role messages, sections, partials', () => {
  const analysis = analyzePromptSource('---\nmodel: m\ninput: { schema: { q: string } }\n---\n{{role "system"}}\nBe brief.\n{{role "user"}}\n{{q}}\n{{section "output"}}\n{{> footer}}');
  const [fm, template] = documentSymbols(analysis);
  assert.equal(fm!.name, 'front matter');
  assert.deepEqual(
    fm!.children!.map((c) => c.name),
    ['model', 'input'],
  );
  assert.deepEqual(
    template!.children!.map((c) => c.name),
    ['system message', 'user message', 'section output', '> footer'],
  );
  assert.equal(template!.children![0]!.range.start.line, 4);
  assert.equal(template!.children![1]!.range.start.line, 6);
});

test('formatting normalises tags and YAML without changing the data or the rendered text', () => {
  const source = '---\nmodel:    m   # the model\ninput:\n    schema:\n        text:   string\n---\nSay  {{  text  }} then {{# if   text }}yes{{/ if}} {{~ text ~}} "{{json  text indent=2}}"  end';
  const formatted = formatPromptSource(analyzePromptSource(source));
  assert.equal(formatted, '---\nmodel: m # the model\ninput:\n  schema:\n    text: string\n---\nSay  {{text}} then {{#if text}}yes{{/if}} {{~text~}} "{{json text indent=2}}"  end');
  assert.equal(formatPromptSource(analyzePromptSource(formatted)), formatted, 'idempotent');
  const broken = '---\nmodel: [\n---\n{{  x }}';
  assert.equal(formatPromptSource(analyzePromptSource(broken)).startsWith('---\nmodel: [\n'), true, 'bad YAML is left alone');
});

test('quick fix adds an undefined variable to block and flow schemas', () => {
  const apply = (source: string, name: string) => {
    const edit = addVariableToSchema(analyzePromptSource(source), name)!;
    const fixed = source.slice(0, edit.start) + edit.newText + source.slice(edit.end);
    assert.deepEqual(
      analyzePromptSource(fixed).problems.filter((p) => p.code === 'undefined-variable'),
      [],
    );
    return fixed;
  };
  assert.equal(
    apply('---\ninput:\n  schema:\n    a: string # first\n  default: {}\n---\n{{a}} {{b}}', 'b'),
    '---\ninput:\n  schema:\n    a: string # first\n    b: string\n  default: {}\n---\n{{a}} {{b}}',
  );
  assert.equal(apply('---\ninput: { schema: { a: string } }\n---\n{{a}} {{b}}', 'b'), '---\ninput: { schema: { a: string, b: string } }\n---\n{{a}} {{b}}');
  assert.equal(apply('---\ninput:\n  schema:\n    items(array):\n      name: string\n---\n{{items}}{{c}}', 'c'), '---\ninput:\n  schema:\n    items(array):\n      name: string\n    c: string\n---\n{{items}}{{c}}');
});

test('code lenses sit on the first template line and pass the document URI', () => {
  const lenses = codeLenses(analyzePromptSource('# header\n---\nmodel: m\n---\n\nHello'), 'file:///x.prompt');
  assert.deepEqual(
    lenses.map((l) => [l.command!.title, l.command!.command, l.command!.arguments]),
    [
      ['▶ Run', 'promptsmith.run', ['file:///x.prompt']],
      ['Evaluate', 'promptsmith.evaluate', ['file:///x.prompt']],
      ['Tune soft prompt', 'promptsmith.tuneSoftPrompt', ['file:///x.prompt']],
      ['Optimize with RL', 'promptsmith.optimizeWithRL', ['file:///x.prompt']],
    ],
  );
  assert.deepEqual(lenses[0]!.range.start, { line: 5, character: 0 });
});

test('folding: header, front matter fence to fence, multi-line blocks and comments, role messages', async () => {
  const { foldingRanges } = await import('../../../src/language/features/folding');
  const { LineIndex } = await import('../../../src/language/analysis/lineIndex');
  const source = '# a\n# b\n---\nmodel: m\nconfig: {}\n---\n{{role "system"}}\nBe brief.\n{{role "user"}}\n{{#if x}}\nyes\n{{/if}}\n{{!--\nnote\n--}}';
  const ranges = foldingRanges(analyzePromptSource(source), new LineIndex(source)).map((r) => [r.startLine, r.endLine, r.kind ?? '']);
  assert.deepEqual(ranges, [
    [0, 1, 'comment'],
    [2, 5, 'region'],
    [9, 10, ''],
    [12, 14, 'comment'],
    [6, 7, ''],
    [8, 14, ''],
  ]);
});

test('language configuration: valid JSON, compiling regexes, referenced from package.json', async () => {
  const { readFileSync } = await import('node:fs');
  const config = JSON.parse(readFileSync(join(repoRoot, 'language-configuration.json'), 'utf8'));
  assert.deepEqual(config.comments.blockComment, ['{{!--', '--}}']);
  const start = new RegExp(config.folding.markers.start);
  const end = new RegExp(config.folding.markers.end);
  assert.ok(start.test('{{#each items}}') && !start.test('---') && end.test('  {{/each}}'));
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(manifest.contributes.languages[0].configuration, './language-configuration.json');
  assert.equal(manifest.contributes.grammars[0].path, './syntaxes/dotprompt.tmLanguage.json');
});

test('navigation: a variable goes to its schema key; partials and datasets are links', async () => {
  const { documentLinks, variableDefinition } = await import('../../../src/language/features/navigation');
  const { LineIndex } = await import('../../../src/language/analysis/lineIndex');
  const source = '---\ninput:\n  schema:\n    name: string\npromptsmith.task:\n  dev: data/dev.jsonl\n  labels: { a: " x", b: " y" }\n---\nHi {{name}} {{> character}} {{> missing}}';
  const analysis = analyzePromptSource(source);
  const index = new LineIndex(source);
  assert.deepEqual(variableDefinition(analysis, source.indexOf('{{name}}') + 3, index), { start: { line: 3, character: 4 }, end: { line: 3, character: 8 } });
  assert.equal(variableDefinition(analysis, source.indexOf('Hi'), index), undefined);
  const links = documentLinks(analysis, join(repoRoot, 'examples/story/x.prompt'), existsSync, index);
  assert.deepEqual(
    links.map((l) => l.target!.replace(/^.*examples\//, '')),
    ['story/_character.prompt'],
  );
  const datasetLinks = documentLinks(analysis, join(repoRoot, 'examples/sentiment/x.prompt'), existsSync, index);
  assert.deepEqual(
    datasetLinks.map((l) => [l.target!.replace(/^.*examples\//, ''), l.range.start.line]),
    [['sentiment/data/dev.jsonl', 5]],
  );
});
