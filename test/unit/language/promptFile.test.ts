import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  parsePromptFile,
  renderPromptFile,
  resolveModelRef,
  SOFT_PROMPT_MARKER,
  spanOf,
  splitSoftPromptMarkers,
} from '../../../src/promptFile/promptFile';

const sentiment = `# Copyright 2025 Someone
# SPDX-License-Identifier: Apache-2.0

---
model: ../shared/models/stories260k-hf
config: { temperature: 0.7, maxOutputTokens: 48 }
input:
  schema: { text: string }
  default: { text: "Tom had a dog." }
promptsmith.task:
  train: data/train.jsonl
  dev: data/dev.jsonl
  labels: { positive: " happy", negative: " sad" }
promptsmith.rl: { promptLength: 5, steps: 300 }
promptsmith.softPrompt: { tokens: 8, init: TEXT, initText: "The child felt" }
---

{{text}} They were
`;

test('parses header, front matter, typed Promptsmith keys and the template position', () => {
  const p = parsePromptFile(sentiment);
  assert.deepEqual(p.problems, []);
  assert.equal(p.header?.start, 0);
  assert.ok(sentiment.slice(0, p.header!.end).endsWith('Apache-2.0\n\n'));
  assert.equal(p.model, '../shared/models/stories260k-hf');
  assert.deepEqual(p.config, { temperature: 0.7, maxOutputTokens: 48 });
  assert.deepEqual(p.input.schema, { text: 'string' });
  assert.deepEqual(p.task, { train: 'data/train.jsonl', dev: 'data/dev.jsonl', labels: { positive: ' happy', negative: ' sad' } });
  assert.deepEqual(p.rl, { promptLength: 5, steps: 300 });
  assert.deepEqual(p.softPrompt, { tokens: 8, init: 'TEXT', initText: 'The child felt' });
  assert.deepEqual(p.ext.promptsmith!.rl, { promptLength: 5, steps: 300 });
  assert.equal(p.template, '{{text}} They were');
  assert.equal(sentiment.slice(p.templateOffset, p.templateOffset + p.template.length), p.template);
  const span = spanOf(p, ['promptsmith.task', 'labels', 'negative'], 'value')!;
  assert.equal(sentiment.slice(span.start, span.end), '" sad"');
});

test('renders with dotprompt: input, defaults, base-model text', async () => {
  const p = parsePromptFile(sentiment);
  const r = await renderPromptFile(p, { text: 'Lily found a ball.' });
  assert.equal(r.text, 'Lily found a ball. They were');
  assert.equal(r.messages.length, 1);
  assert.equal(r.messages[0]!.role, 'user');
  assert.equal((await renderPromptFile(p, {})).text, 'Tom had a dog. They were');
});

test('role messages are rendered by the library and joined for base models', async () => {
  const p = parsePromptFile('---\ninput:\n  schema: { q: string }\n---\n{{role "system"}}\nYou answer briefly.\n{{role "user"}}\n{{q}}\n');
  const r = await renderPromptFile(p, { q: 'Why?' });
  assert.deepEqual(
    r.messages.map((m) => m.role),
    ['system', 'user'],
  );
  assert.equal(r.text, 'You answer briefly.\n\nWhy?');
});

test('{{softprompt}} renders a marker that splits back into pieces', async () => {
  const p = parsePromptFile('---\ninput: { schema: { text: string } }\n---\n{{softprompt "lead"}}{{text}} It was{{softprompt}}');
  const r = await renderPromptFile(p, { text: 'A cat.' });
  assert.equal(r.text, `${SOFT_PROMPT_MARKER('lead')}A cat. It was${SOFT_PROMPT_MARKER('default')}`);
  assert.deepEqual(splitSoftPromptMarkers(r.text), [
    { kind: 'softPrompt', name: 'lead' },
    { kind: 'text', text: 'A cat. It was' },
    { kind: 'softPrompt', name: 'default' },
  ]);
});

test('partials come from _name.prompt beside the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-partials-'));
  writeFileSync(join(dir, '_persona.prompt'), 'You are {{name}}.');
  const p = parsePromptFile('---\ninput: { schema: { name: string } }\n---\n{{> persona}} Hello.');
  p.path = join(dir, 'main.prompt');
  assert.equal((await renderPromptFile(p, { name: 'Bob' })).text, 'You are Bob. Hello.');
});

test('bad YAML, unclosed front matter and wrong setting types become problems, never throws', async () => {
  const bad = parsePromptFile('---\nmodel: [unclosed\n---\nhi');
  assert.equal(bad.problems[0]!.code, 'yaml-syntax');
  assert.ok(bad.problems[0]!.start >= 4);
  await assert.rejects(renderPromptFile(bad, {}), /invalid YAML front matter/);

  const unclosed = parsePromptFile('---\nmodel: x\nhello');
  assert.equal(unclosed.problems[0]!.code, 'front-matter-unclosed');

  const wrong = parsePromptFile(
    '---\npromptsmith.softPrompt: { tokens: "eight", init: TEXT, lr: 0.1, bogus: 1 }\npromptsmith.task: { labels: { a: "", b: " b" } }\npromptsmith.nope: 1\n---\nx',
  );
  const codes = wrong.problems.map((q) => q.code).sort();
  assert.deepEqual(codes, ['label-without-verbalizer', 'promptsmith-type', 'promptsmith-type', 'promptsmith-unknown-key', 'promptsmith-unknown-key']);
  assert.deepEqual(wrong.softPrompt, { init: 'TEXT', lr: 0.1 });
  assert.deepEqual(wrong.task, { labels: { b: ' b' } });
  const tokens = wrong.problems.find((q) => q.message.includes('tokens'))!;
  assert.equal(wrong.source.slice(tokens.start, tokens.end), '"eight"');
});

test('empty front matter, no front matter, empty file', () => {
  assert.deepEqual(parsePromptFile('---\n---\nHello').template, 'Hello');
  assert.deepEqual(parsePromptFile('---\n---\nHello').problems, []);
  const plain = parsePromptFile('Just {{text}}');
  assert.equal(plain.template, 'Just {{text}}');
  assert.equal(plain.templateOffset, 0);
  const empty = parsePromptFile('');
  assert.equal(empty.template, '');
  assert.deepEqual(empty.problems, []);
});

test('model references: relative folders resolve against the file, ids stay ids', () => {
  assert.deepEqual(resolveModelRef('../m', '/a/b/c.prompt'), { kind: 'folder', path: '/a/m' });
  assert.deepEqual(resolveModelRef('onnx-community/SmolLM2-135M-Instruct', '/a/b/c.prompt'), { kind: 'id', id: 'onnx-community/SmolLM2-135M-Instruct' });
});

test('soft prompt slots can render empty for plain runs', async () => {
  const { stripSoftPromptMarkers } = await import('../../../src/promptFile/promptFile');
  const p = parsePromptFile('---\ninput: { schema: { text: string } }\n---\n{{text}}{{softprompt "mood"}} They were');
  assert.equal((await renderPromptFile(p, { text: 'A.' }, { softPromptSlots: 'empty' })).text, 'A. They were');
  assert.equal(stripSoftPromptMarkers((await renderPromptFile(p, { text: 'A.' })).text), 'A. They were');
});

test('CRLF line endings, a byte-order mark, blank lines before the front matter', () => {
  const crlf = parsePromptFile('# c\r\n---\r\nmodel: m\r\ninput:\r\n  schema: { a: string }\r\n---\r\n{{a}} x\r\n');
  assert.deepEqual(crlf.problems, []);
  assert.equal(crlf.model, 'm');
  assert.equal(crlf.template, '{{a}} x');
  assert.equal(crlf.source.slice(crlf.templateOffset, crlf.templateOffset + 7), '{{a}} x');
  const bom = parsePromptFile('\uFEFF---\nmodel: m\n---\nhi');
  assert.equal(bom.model, 'm');
  assert.equal(bom.template, 'hi');
  const blank = parsePromptFile('\n\n---\nmodel: m\n---\nhi');
  assert.deepEqual(
    blank.problems.map((p) => [p.code, p.start]),
    [['front-matter-not-at-start', 2]],
  );
  assert.equal(blank.model, undefined, 'as Dotprompt: no front matter');
});

test('renders are isolated: same-named partials of different folders, concurrent slot modes', async () => {
  const a = mkdtempSync(join(tmpdir(), 'ps-a-'));
  const b = mkdtempSync(join(tmpdir(), 'ps-b-'));
  writeFileSync(join(a, '_who.prompt'), 'Alice');
  writeFileSync(join(b, '_who.prompt'), 'Bob');
  const pa = parsePromptFile('Hi {{> who}}{{softprompt "s"}}');
  pa.path = join(a, 'x.prompt');
  const pb = parsePromptFile('Hi {{> who}}{{softprompt "s"}}');
  pb.path = join(b, 'x.prompt');
  const [ra, rb, ra2] = await Promise.all([
    renderPromptFile(pa, {}),
    renderPromptFile(pb, {}, { softPromptSlots: 'empty' }),
    renderPromptFile(pa, {}, { partials: { who: 'Carol' } }),
  ]);
  assert.equal(ra.text, `Hi Alice${SOFT_PROMPT_MARKER('s')}`);
  assert.equal(rb.text, 'Hi Bob');
  assert.equal(ra2.text, `Hi Carol${SOFT_PROMPT_MARKER('s')}`);
  await assert.rejects(renderPromptFile(parsePromptFile('{{> who}}'), {}), /could not be found/);
});
