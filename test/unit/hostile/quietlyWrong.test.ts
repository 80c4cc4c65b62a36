// Inputs that used to give plausible but wrong numbers without a word: NaN weights (empty
// generations, accuracy 0.5), a degenerate tokenizer, verbalizers that encode alike, dataset rows
// that miss the template's field (the input default was rendered instead) or hold a number or a
// map where text belongs, and a 1 MB row (a stack overflow during tuning). Each is now refused
// with the file, and the row where there is one.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readModelFile, writeModelFile } from '../../../src/engine/onnx/codec';
import { SafetensorsCheckpoint } from '../../../src/engine/onnx/safetensors';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import type { DatasetRow } from '../../../src/engine/tasks/dataset';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import { checkRenderedRow, checkRowInputs } from '../../../src/engine/tasks/rowChecks';
import { loadSoftPromptTask, splitExamples } from '../../../src/engine/tuning/softprompt/taskData';
import { parsePromptFile } from '../../../src/promptFile/promptFile';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';
import { pick, seededCases } from './hostileCases';

const stories = storiesHfDir();
const data = tinysentDir();
const skip = stories && data ? false : `${STORIES_ABSENT} (or ../shared/data/tinysent)`;
const root = mkdtempSync(join(tmpdir(), 'ps-quiet-'));

const SCHEMA_PROMPT = parsePromptFile(
  '---\ninput:\n  schema:\n    text: string\n    count?: integer\n    flag?: boolean\n  default:\n    text: Max made a new friend.\n    mood: calm\n---\n{{text}} {{mood}} They were\n',
);
const VALUES: unknown[] = [undefined, 'a sentence', '', 42, 1.5, true, null, { a: 1 }, ['x']];

/** What the checker must say about one row, computed from the rules (not from the checker). */
function expectedProblems(fields: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const name of ['text', 'mood']) if (fields[name] === undefined) out.push(`missing field '${name}'`);
  const types: Record<string, (v: unknown) => boolean> = { text: (v) => typeof v === 'string', count: (v) => Number.isInteger(v), flag: (v) => typeof v === 'boolean' };
  for (const [name, fits] of Object.entries(types)) if (fields[name] !== undefined && !fits(fields[name])) out.push(`field '${name}' is`);
  return out;
}

test('generated dataset rows: every missing field and wrong type is named with its line, good rows pass', () => {
  let bad = 0;
  let good = 0;
  for (const random of seededCases(300, 3)) {
    const fields: Record<string, unknown> = {};
    for (const name of ['text', 'mood', 'count', 'flag']) {
      const v = random() < 0.6 ? (name === 'count' ? 3 : name === 'flag' ? false : 'fine') : pick(random, VALUES);
      if (v !== undefined) fields[name] = v;
    }
    const rows: DatasetRow[] = [{ line: 7, fields, label: 'positive' }];
    const expected = expectedProblems(fields);
    if (expected.length === 0) {
      checkRowInputs(SCHEMA_PROMPT, 'rows.jsonl', rows);
      good++;
      continue;
    }
    assert.throws(
      () => checkRowInputs(SCHEMA_PROMPT, 'rows.jsonl', rows),
      (err: Error) => expected.every((e) => err.message.includes(e)) && err.message.startsWith('rows.jsonl:7: '),
      `${JSON.stringify(fields)} should give ${expected.join('; ')}`,
    );
    bad++;
  }
  console.log(`dataset rows: ${good + bad} generated, ${bad} refused naming the line, ${good} accepted`);
});

function prompt(name: string, extra: { model?: string; dev?: string; labels?: string; train?: string } = {}): string {
  const file = join(root, `${name}.prompt`);
  writeFileSync(
    file,
    [
      '---',
      `model: ${extra.model ?? stories}`,
      'input:',
      '  schema:',
      '    text: string',
      'promptsmith.task:',
      `  train: ${extra.train ?? join(data!, 'train.jsonl')}`,
      `  dev: ${extra.dev ?? join(data!, 'dev.jsonl')}`,
      `  labels: ${extra.labels ?? '{ positive: " happy", negative: " sad" }'}`,
      '---',
      '{{text}} They were',
      '',
    ].join('\n'),
  );
  return file;
}

test('without input.schema, a map that the template prints as [object Object] is refused naming the row', () => {
  const row: DatasetRow = { line: 3, fields: { text: { a: 1 } }, label: 'positive' };
  assert.throws(() => checkRenderedRow('d.jsonl', row, '[object Object] They were'), { message: /^d\.jsonl:3: the template printed a map as "\[object Object\]" \(field 'text' holds a map/ });
  checkRenderedRow('d.jsonl', { line: 4, fields: { text: 'fine' } }, 'fine They were');
});

test('eval refuses rows without the text field, numbers and maps as text, and verbalizers that encode alike', { skip }, async () => {
  const rows = readFileSync(join(data!, 'dev.jsonl'), 'utf8').trim().split('\n').slice(0, 6).map((l) => JSON.parse(l));
  delete rows[1].text;
  rows[3].text = 42;
  rows[4].text = { a: 1 };
  const dev = join(root, 'bad-dev.jsonl');
  writeFileSync(dev, rows.map((r) => JSON.stringify(r)).join('\n'));
  await assert.rejects(evaluatePromptFile({ promptFile: prompt('bad-rows', { dev }), device: 'cpu' }), (err: Error) => {
    assert.match(err.message.split('\n')[0]!, /bad-dev\.jsonl:2: missing field 'text': the template would render it empty \(and problems on 2 more lines: 4, 5\)/);
    assert.match(err.message, /bad-dev\.jsonl:4: field 'text' is a number, but input\.schema says string/);
    assert.match(err.message, /bad-dev\.jsonl:5: field 'text' is a map/);
    return true;
  });
  await assert.rejects(
    evaluatePromptFile({ promptFile: prompt('same-verbalizers', { labels: '{ positive: " happy", negative: " happy" }' }), device: 'cpu' }),
    /verbalizers of 'positive' \(" happy"\) and 'negative' \(" happy"\) encode to the same tokens/,
  );
});

test('a 1 MB row: tuning and eval name the file and line (no stack overflow)', { skip }, async () => {
  const rows = readFileSync(join(data!, 'train.jsonl'), 'utf8').trim().split('\n').slice(0, 8).map((l) => JSON.parse(l));
  rows[3].text = 'a'.repeat(1_000_000);
  const train = join(root, 'big-train.jsonl');
  writeFileSync(train, rows.map((r) => JSON.stringify(r)).join('\n'));
  const task = await loadSoftPromptTask(prompt('big-row', { train }), { needTrain: true });
  assert.throws(() => splitExamples(task, task.train, { vocabSize: 512, numVirtualTokens: 4 }), /big-train\.jsonl:4: the rendered prompt is \d+ tokens; .* more than the model's context of 512 tokens/);
  // eval says the same about any row longer than the context (a short one keeps this test quick).
  rows[3].text = 'once upon a time '.repeat(200);
  const dev = join(root, 'long-dev.jsonl');
  writeFileSync(dev, rows.map((r) => JSON.stringify(r)).join('\n'));
  await assert.rejects(evaluatePromptFile({ promptFile: prompt('long-row-eval', { dev }), device: 'cpu' }), /long-dev\.jsonl:4: the rendered prompt is \d+ tokens/);
});

test('NaN weights are refused at export (naming the tensor) and at load (an ONNX file with NaN weights)', { skip }, async () => {
  const nan = join(root, 'nan-hf');
  cpSync(stories!, nan, { recursive: true });
  const bytes = readFileSync(join(nan, 'model.safetensors'));
  const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
  new Float32Array(bytes.buffer, bytes.byteOffset + headerEnd, 16).fill(Number.NaN); // the first tensor's first values
  writeFileSync(join(nan, 'model.safetensors'), bytes);
  const checkpoint = SafetensorsCheckpoint.open(nan);
  const poisoned = checkpoint.names().filter((name) => {
    try {
      checkpoint.float32(name);
      return false;
    } catch (err) {
      return /holds 16 NaN or infinite values/.test((err as Error).message);
    }
  });
  assert.equal(poisoned.length, 1);

  const onnxDir = join(root, 'nan-onnx');
  cpSync(await storiesOnnxDir(), onnxDir, { recursive: true });
  const model = readModelFile(join(onnxDir, 'onnx', 'model.onnx'));
  for (const init of model.graph.initializers) if (init.data instanceof Float32Array && init.data.length > 1000) init.data.fill(Number.NaN);
  writeModelFile(join(onnxDir, 'onnx', 'model.onnx'), model);
  await assert.rejects(LanguageModel.load(onnxDir, { device: 'cpu' }), /model\.onnx: \d+ of 512 logits for a one-token input are NaN or infinite: the model's weights are broken/);
});

test('a degenerate tokenizer (everything one token) is refused at load and by tuning', { skip }, async () => {
  const dir = join(root, 'degenerate');
  cpSync(await storiesOnnxDir(), dir, { recursive: true });
  const tokenizer = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  tokenizer.model.vocab = Object.fromEntries(Object.entries(tokenizer.model.vocab as Record<string, number>).filter(([, id]) => id < 3));
  tokenizer.model.merges = [];
  tokenizer.model.byte_fallback = false;
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  await assert.rejects(LanguageModel.load(dir, { device: 'cpu' }), /tokenizer\.json: the tokenizer is degenerate: "The quick brown fox .*" encodes to \[0\]/);
  const hf = join(root, 'degenerate-hf');
  cpSync(stories!, hf, { recursive: true });
  copyFileSync(join(dir, 'tokenizer.json'), join(hf, 'tokenizer.json'));
  await assert.rejects(loadSoftPromptTask(prompt('degenerate', { model: hf }), { needTrain: true }), /the tokenizer is degenerate/);
});
