// Dotprompt features the editor and the renderer must agree on: the `type[]` shorthand, helpers
// an application registers, helper arguments, roles, media, history, output formats, hosted
// (Genkit) model ids, and Continue's `.prompt` files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { DIAGNOSTIC_CODES } from '../../../src/language/analysis/diagnosticCodes';
import { checkEnvironment, nodeEnvironment } from '../../../src/language/analysis/environmentChecks';
import { continuePromptFileReason } from '../../../src/promptFile/continueFormat';
import { remoteModelOf } from '../../../src/promptFile/modelIds';
import { picoschemaToJsonSchema } from '../../../src/promptFile/picoschemaJson';
import { modelSpecOf, parsePromptFile } from '../../../src/promptFile/promptFile';
import { renderPromptFile } from '../../../src/promptFile/render';

function described(source: string, customHelpers?: string[]): string[] {
  return analyzePromptSource(source, { customHelpers }).problems.map((p) => `${p.code} ${p.severity} ${JSON.stringify(source.slice(p.start, p.end))}`);
}

async function render(source: string, input: Record<string, unknown> = {}, options: Parameters<typeof renderPromptFile>[2] = {}) {
  const parsed = parsePromptFile(source);
  parsed.path = '/w/t.prompt';
  return renderPromptFile(parsed, input, options);
}

test('type[] is accepted wherever a Picoschema type goes, and expands to a JSON Schema array', () => {
  const source = '---\ninput:\n  schema:\n    tags: string[]\n    grid?: number[][], rows of cells\n    recipes: Recipe[]\n---\n{{tags}}{{grid}}{{recipes}}';
  assert.deepEqual(described(source), ['picoschema-named-schema information "Recipe[]"']);
  assert.deepEqual(described('---\ninput:\n  schema: { x: "[]" }\n---\n{{x}}'), ['picoschema error "\\"[]\\""']);
  assert.match(analyzePromptSource('---\ninput:\n  schema: { x: "[]" }\n---\n{{x}}').problems[0]!.message, /'\[\]' has no item type before '\[\]'/);
  assert.deepEqual(picoschemaToJsonSchema(parsePromptFile(source).input.schema, { Recipe: { type: 'object' } }), {
    type: 'object',
    additionalProperties: false,
    required: ['tags', 'recipes'],
    properties: {
      tags: { type: 'array', items: { type: 'string' } },
      grid: { type: ['array', 'null'], items: { type: 'array', items: { type: 'number' } }, description: 'rows of cells' },
      recipes: { type: 'array', items: { type: 'object' } },
    },
  });
});

test('unknown helpers are warnings; promptsmith.helpers and the customHelpers setting make them known', () => {
  assert.deepEqual(described('{{add @index 1}} {{#gt a 1}}x{{/gt}}'), ['unknown-helper warning "add"', 'unknown-helper warning "gt"']);
  assert.deepEqual(described('{{add @index 1}} {{#gt a 1}}x{{/gt}} {{now}}', ['add', 'gt', 'now']), []);
  assert.deepEqual(described('---\npromptsmith.helpers: [add, gt]\n---\n{{add @index 1}} {{#gt a 1}}x{{/gt}}'), []);
  assert.deepEqual(described('---\npromptsmith.helpers: [add, "not a name"]\n---\nx'), ['promptsmith-type error "\\"not a name\\""']);
  assert.deepEqual(described('---\npromptsmith.helpers: add\n---\nx'), ['promptsmith-type error "add"']);
  // A declared helper without arguments is a call, not a variable the schema should declare.
  const analysis = analyzePromptSource('---\ninput: { schema: { a: string } }\npromptsmith.helpers: [now]\n---\n{{a}} {{now}}');
  assert.deepEqual(analysis.problems, []);
});

test('helper misuse is a diagnostic at the tag: arguments, block form, media url, hash keys, role names', () => {
  assert.deepEqual(described('{{json}}'), ['helper-arguments error "{{json}}"']);
  assert.deepEqual(described('{{#ifEquals a}}x{{/ifEquals}}'), ['helper-arguments error "ifEquals"']);
  assert.deepEqual(described('{{ifEquals a b}}'), ['helper-arguments error "{{ifEquals a b}}"']);
  assert.deepEqual(described('{{media}}'), ['helper-arguments error "{{media}}"']);
  assert.deepEqual(described('{{media url=u mime="image/png"}}'), ['helper-arguments warning "{{media url=u mime=\\"image/png\\"}}"']);
  assert.deepEqual(described('{{role "System"}}hi'), ['helper-arguments warning "{{role \\"System\\"}}"']);
  assert.deepEqual(described('{{role "assistant"}}hi'), ['helper-arguments warning "{{role \\"assistant\\"}}"']);
  assert.deepEqual(described('{{#role "system"}}hi{{/role}} {{role "user"}}{{history}}{{json this indent=2}}{{media url=u contentType="image/png"}}'), []);
  assert.match(analyzePromptSource('{{section "a b"}}').problems[0]!.message, /no spaces/);
});

test('rendering: role blocks, any-case roles, history, context, and clear errors instead of TypeErrors or "undefined"', async () => {
  const blocks = await render('{{#role "system"}}\nBe kind.\n{{/role}}\nHello {{name}}\n{{#role "model"}}Hi!{{/role}}', { name: 'Ann' });
  assert.deepEqual(JSON.parse(JSON.stringify(blocks.messages)), [
    { role: 'system', content: [{ text: 'Be kind.\n' }] },
    { role: 'user', content: [{ text: 'Hello Ann\n' }] },
    { role: 'model', content: [{ text: 'Hi!' }] },
  ]);
  const upper = await render('{{role "System"}}Rules.\n{{role "USER"}}Q');
  assert.deepEqual(
    upper.messages.map((m) => [m.role, m.content]),
    [
      ['system', [{ text: 'Rules.\n' }]],
      ['user', [{ text: 'Q' }]],
    ],
  );
  const history = [{ role: 'user' as const, content: [{ text: 'earlier' }] }];
  const withHistory = await render('{{role "system"}}S\n{{history}}\n{{role "user"}}{{@state.topic}}', {}, { history, context: { state: { topic: 'tea' } } });
  assert.deepEqual(
    withHistory.messages.map((m) => [m.role, m.content, m.metadata?.purpose]),
    [
      ['system', [{ text: 'S\n' }], undefined],
      ['user', [{ text: 'earlier' }], 'history'],
      ['user', [{ text: 'tea' }], undefined],
    ],
  );
  await assert.rejects(render('line one\n{{json}}'), /\/w\/t\.prompt:2: \{\{json\}\} takes one value to serialize, got none/);
  await assert.rejects(render('---\nmodel: m\n---\n\n{{#ifEquals a}}x{{/ifEquals}}'), /t\.prompt:5: \{\{#ifEquals\}\} compares two values/);
  await assert.rejects(render('{{media url=photo}}'), /t\.prompt:1: \{\{media\}\} needs url= a non-empty string, got nothing \(is the variable set\?\)/);
  await assert.rejects(render('{{add 1 2}}'), /t\.prompt:1: unknown helper 'add'/);
  await assert.rejects(render('---\npromptsmith.helpers: [add]\n---\n{{add 1 2}}'), /t\.prompt:4: 'add' is a helper your application registers .* cannot run application helpers/);
  // The stand-in of an application helper is gone after the render: it does not leak into the next file.
  await assert.rejects(render('{{add 1 2}}'), /unknown helper 'add'/);
});

test("hosted model ids (Genkit's provider/model, bare hosted names) are recognised, reported and never resolved to the hub", () => {
  for (const id of ['googleai/gemini-2.5-flash', 'vertexai/gemini-1.5-pro', 'gemini-2.5-flash', 'openai/gpt-4o', 'anthropic/claude-3-5-sonnet', 'ollama/llama3']) {
    assert.ok(remoteModelOf(id), id);
  }
  for (const id of ['onnx-community/SmolLM2-135M-Instruct', 'openai/gpt-oss-20b', 'openai/whisper-large-v3', 'google/gemma-2-2b', './models/x', 'my-local-model']) {
    assert.equal(remoteModelOf(id), undefined, id);
  }
  const parsed = parsePromptFile('---\nmodel: googleai/gemini-2.5-flash\n---\nHi');
  assert.throws(() => modelSpecOf(parsed, '/w/a.prompt'), /Genkit model id \(provider 'googleai'\).*never downloads.*set promptsmith\.model \(or pass --model\)/);
  assert.equal(modelSpecOf(parsed, '/w/a.prompt', 'onnx-community/SmolLM2-135M-Instruct'), 'onnx-community/SmolLM2-135M-Instruct');
  const analysis = analyzePromptSource(parsed.source);
  const noTokenizer = () => {
    throw new Error('unused');
  };
  const withDefault = checkEnvironment(analysis, nodeEnvironment('/w/a.prompt', noTokenizer, 'onnx-community/SmolLM2-135M-Instruct'));
  assert.deepEqual(
    withDefault.map((p) => [p.code, p.severity]),
    [['remote-model', 'information']],
  );
  assert.match(withDefault[0]!.message, /here it runs on promptsmith\.model \(onnx-community\/SmolLM2-135M-Instruct\)/);
});

test('output.format: Genkit formats are known, others are a warning at the value', () => {
  assert.deepEqual(described('---\noutput: { format: json, schema: { a: string } }\n---\nx'), []);
  assert.deepEqual(described('---\noutput: { format: yaml }\n---\nx'), ['output-format warning "yaml"']);
});

test("Continue's .prompt files are recognised and left alone; Dotprompt files never are", () => {
  const continueFile = '# comment\nname: Tests\ndescription: Write tests\n---\n<system>\nYou write tests.\n</system>\n\n{{{ input }}}\n@README.md';
  assert.match(continuePromptFileReason(continueFile) ?? '', /YAML preamble \(name, description\)/);
  assert.match(continuePromptFileReason('<system>x</system>\n{{{ input }}}') ?? '', /<system>/);
  assert.match(continuePromptFileReason('Explain {{{ input }}}', '/p/.continue/prompts/explain.prompt') ?? '', /\.continue\/prompts/);
  for (const dotprompt of ['---\nname: x\n---\nHi', 'Hi {{name}}', '# License\n---\nmodel: m\n---\nx', 'Intro:\n---\nbody', '\n\n---\nmodel: m\n---\nx']) {
    assert.equal(continuePromptFileReason(dotprompt), undefined, dotprompt);
  }
  const analysis = analyzePromptSource(continueFile);
  assert.deepEqual(analysis.problems, []);
  assert.match(analysis.foreignFormat ?? '', /^Continue prompt file/);
  assert.deepEqual(checkEnvironment(analysis, nodeEnvironment('/w/t.prompt', () => ({ encode: () => [], unkId: undefined }))), []);
});

test('the README lists every diagnostic code, and only those', () => {
  const readme = readFileSync(resolve(__dirname, '../../../src/language/README.md'), 'utf8');
  const listed = [...readme.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), Object.keys(DIAGNOSTIC_CODES).sort());
});
