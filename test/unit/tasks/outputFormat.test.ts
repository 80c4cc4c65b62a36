// `output.format` / `output.schema` at run time: the instructions the model gets and where they
// go, the check of a reply against the schema, and a real run of stories260k (a story model that
// writes no JSON: the check must say so, with the reason, through the engine method).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkOutput, injectOutputInstructions, outputInstructions, outputSpecOf } from '../../../src/promptFile/outputFormat';
import { parsePromptFile } from '../../../src/promptFile/promptFile';
import { renderPromptFile } from '../../../src/promptFile/render';
import { callMethod } from '../helpers/engineMethods';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';

const EXTRACT = '---\noutput:\n  format: json\n  schema:\n    name: string\n    age?: integer\n    tags: string[]\n---\n';

test('a schema asks for JSON; text output and formats without a schema ask for nothing', () => {
  const spec = outputSpecOf(parsePromptFile(EXTRACT))!;
  assert.equal(spec.format, 'json');
  assert.deepEqual(spec.schema!.required, ['name', 'tags']);
  assert.match(outputInstructions(spec)!, /^Reply with JSON only, matching this JSON Schema:\n```\n\{"type":"object"/);
  assert.equal(outputSpecOf(parsePromptFile('---\noutput: { format: text }\n---\nx')), undefined);
  assert.equal(outputSpecOf(parsePromptFile('---\noutput: { schema: { a: string } }\n---\nx'))!.format, 'json', 'a schema without a format is json, as in Genkit');
  const enumSpec = outputSpecOf(parsePromptFile('---\noutput:\n  format: enum\n  schema:\n    label?(enum): [pos, neg]\n---\nx'))!;
  assert.equal(enumSpec.format, 'enum');
});

test('instructions go to {{section "output"}}, else the system message, else the last user message', async () => {
  const spec = outputSpecOf(parsePromptFile(EXTRACT))!;
  const instructions = outputInstructions(spec)!;
  const render = async (template: string) => (await renderPromptFile(parsePromptFile(EXTRACT + template), {})).messages;
  const atSection = injectOutputInstructions(await render('{{role "user"}}Read this.\n{{section "output"}}\nThanks.'), instructions);
  assert.deepEqual(
    atSection[0]!.content.map((p) => p.text?.slice(0, 10) ?? p.metadata?.purpose),
    ['Read this.', 'Reply with', '\nThanks.'],
  );
  const system = injectOutputInstructions(await render('{{role "system"}}Extract.\n{{role "user"}}Text'), instructions);
  assert.equal(system[0]!.content.at(-1)!.text, instructions);
  assert.equal(system[1]!.content.length, 1);
  const user = injectOutputInstructions(await render('Text A'), instructions);
  assert.deepEqual(user[0]!.content.at(-1), { text: `\n\n${instructions}`, metadata: { purpose: 'output' } });
});

test('replies are parsed (fences and trailing prose tolerated) and checked against the schema with the first violation named', () => {
  const spec = outputSpecOf(parsePromptFile(EXTRACT))!;
  assert.deepEqual(checkOutput('```json\n{"name": "Ann", "tags": ["a"]}\n```', spec), { format: 'json', valid: true, value: { name: 'Ann', tags: ['a'] } });
  assert.equal(checkOutput('Sure! {"name": "Ann", "tags": []} Hope this helps {', spec).valid, true);
  assert.equal(checkOutput('Here is the JSON you asked for: {"name": "Ann", "tags": []}', spec).valid, true);
  assert.deepEqual(checkOutput('42', { format: 'json', schema: { type: 'integer' } }), { format: 'json', valid: true, value: 42 });
  assert.deepEqual(checkOutput('{"name": "Ann"}', spec).error, "the output must have required property 'tags' (output.schema)");
  assert.deepEqual(checkOutput('{"name": "Ann", "tags": [], "age": 3.5}', spec).error, 'at /age must be integer,null (output.schema)');
  assert.equal(checkOutput('{"name": "Ann", "tags": [], "x": 1}', spec).error, "the output has the extra property 'x' (output.schema)");
  assert.match(checkOutput('Once upon a time', spec).error!, /no JSON value in the output|not valid JSON/);
  const enumSpec = outputSpecOf(parsePromptFile('---\noutput:\n  format: enum\n  schema: { label(enum): [pos, neg] }\n---\nx'))!;
  assert.equal(checkOutput('x', { format: 'enum', schema: { enum: ['pos', 'neg'] } }).error, "'x' is not one of pos, neg");
  assert.equal(checkOutput(' "pos".', { format: 'enum', schema: { enum: ['pos', 'neg'] } }).valid, true);
  assert.equal(enumSpec.format, 'enum');
});

test('a real run with output.format json: the instructions reach the model and the reply is checked', { skip: storiesHfDir() ? false : STORIES_ABSENT }, async () => {
  const model = await storiesOnnxDir();
  const dir = mkdtempSync(join(tmpdir(), 'output-run-'));
  const file = join(dir, 'extract.prompt');
  writeFileSync(file, `---\nmodel: ${model}\nconfig: { temperature: 0, maxOutputTokens: 16 }\noutput:\n  format: json\n  schema: { name: string }\n---\nTom had a dog.`);
  const result = await callMethod('runPrompt', { promptFile: file, input: {}, device: 'cpu' });
  assert.match(result.prompt, /^Tom had a dog\.\n\nReply with JSON only, matching this JSON Schema:\n```\n\{"type":"object","properties":\{"name":\{"type":"string"\}\}/);
  assert.equal(result.output?.format, 'json');
  assert.equal(result.output?.valid, false, `stories260k writes stories, not JSON: ${result.text}`);
  assert.match(result.output!.error!, /JSON/);
});
