// `evaluate` with a saved soft prompt on the real stories260k + tinysent dev (64 rows): the same
// accuracy as the tuning code's evaluateSoftPrompt, a TEXT-style adapter (embedding rows of
// " They were") scoring exactly like the words written in the template, the front-matter
// `promptsmith.softPrompt.adapter` (and its diagnostic), recorded runs, and bad adapters.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import { evaluateSoftPrompt } from '../helpers/objectiveEvaluation';
import { loadSoftPrompt, saveSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { findEmbeddingGather } from '../../../src/engine/tuning/softprompt/surgery';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { seededRandom } from '../../../src/engine/runtime/sampling';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { checkEnvironment, nodeEnvironment } from '../../../src/language/analysis/environmentChecks';
import { callMethod } from '../helpers/engineMethods';
import { storiesHfDir, storiesModel, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';

const skip = storiesHfDir() && tinysentDir() ? false : 'needs ../shared/models/stories260k-hf and ../shared/data/tinysent (absent)';
const tmp = mkdtempSync(join(tmpdir(), 'soft-eval-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let modelDir: string;
let table: Float32Array;
const HIDDEN = 64;

before(async () => {
  if (skip) return;
  modelDir = await storiesOnnxDir();
  table = Float32Array.from(findEmbeddingGather(storiesModel().graph).table.data as Float32Array);
});

function promptFile(name: string, template: string, extra: string[] = []): string {
  const file = join(tmp, `${name}.prompt`);
  const lines = ['---', `model: ${modelDir}`, 'input:', '  schema: { text: string }', 'promptsmith.task:', `  dev: ${join(tinysentDir()!, 'dev.jsonl')}`];
  writeFileSync(file, [...lines, '  labels: { positive: " happy", negative: " sad" }', ...extra, '---', template, ''].join('\n'));
  return file;
}

/** Saves an adapter whose virtual tokens are the embedding rows of `text`'s tokens. */
function textAdapter(dir: string, text: string): number {
  const ids = loadTokenizer(modelDir).encode(text, { addSpecialTokens: false });
  const embeddings = new Float32Array(ids.length * HIDDEN);
  ids.forEach((id, i) => {
    embeddings.set(table.subarray(id * HIDDEN, (id + 1) * HIDDEN), i * HIDDEN);
  });
  saveSoftPrompt(dir, { numVirtualTokens: ids.length, tokenDim: HIDDEN, embeddings, init: 'TEXT', initText: text, baseModel: modelDir });
  return ids.length;
}

function randomAdapter(dir: string, n: number, d = HIDDEN): void {
  const random = seededRandom(3);
  const embeddings = Float32Array.from({ length: n * d }, () => (random() * 2 - 1) * 0.5);
  saveSoftPrompt(dir, { numVirtualTokens: n, tokenDim: d, embeddings, init: 'RANDOM', baseModel: modelDir });
}

test('an adapter of " They were" at the slot scores exactly like the template that writes " They were"', { skip }, async (t) => {
  const adapter = join(tmp, 'they-were');
  const n = textAdapter(adapter, ' They were');
  const written = await evaluatePromptFile({ promptFile: promptFile('written', '{{text}} They were'), device: 'cpu' });
  const soft = await evaluatePromptFile({ promptFile: promptFile('slot', '{{text}}{{softprompt "feel"}}'), softPrompt: adapter, device: 'cpu' });
  assert.equal(soft.n, 64);
  assert.equal(soft.soft_prompt, adapter);
  assert.equal(soft.num_virtual_tokens, n);
  assert.equal(soft.accuracy, written.accuracy);
  assert.deepEqual(soft.confusion, written.confusion);
  assert.deepEqual(soft.per_label, written.per_label);
  assert.equal(soft.calibrated.accuracy, written.calibrated.accuracy, 'the content-free rows get the virtual tokens too');
  for (const label of ['positive', 'negative']) assert.ok(Math.abs(soft.calibrated.prior[label]! - written.calibrated.prior[label]!) < 1e-4);
  assert.deepEqual(
    soft.worst.map((w) => w.line),
    written.worst.map((w) => w.line),
  );
  soft.worst.forEach((w, i) => {
    assert.ok(Math.abs(w.probs.positive! - written.worst[i]!.probs.positive!) < 1e-4, `row ${w.line}: ${w.probs.positive} vs ${written.worst[i]!.probs.positive}`);
  });
  // Without the adapter the slot is empty: the bare `{{text}}`, a different prompt.
  const bare = await evaluatePromptFile({ promptFile: promptFile('bare', '{{text}}'), device: 'cpu' });
  assert.equal(soft.manual_accuracy, bare.accuracy);
  assert.notEqual(bare.accuracy, written.accuracy);
  t.diagnostic(`written ${written.accuracy}, soft ${soft.accuracy}, bare template ${bare.accuracy}, calibrated ${soft.calibrated.accuracy}`);
});

test('eval with a before-BOS adapter reproduces evaluateSoftPrompt, and the recorded run notes the adapter', { skip }, async (t) => {
  const adapter = join(tmp, 'random4');
  randomAdapter(adapter, 4);
  const file = promptFile('plain', '{{text}} They were');
  const workspace = join(tmp, 'ws');
  mkdirSync(workspace, { recursive: true });
  const events: number[] = [];
  const ours = await callMethod('evaluate', { promptFile: file, softPrompt: adapter, device: 'cpu', workspaceDir: workspace }, { onEvent: (e) => e.type === 'progress' && events.push(e.step) });
  const reference = await evaluateSoftPrompt({ promptFile: file, adapterDir: adapter, device: 'cpu' });
  assert.equal(ours.accuracy, reference.accuracy);
  assert.equal(ours.manual_accuracy, reference.manual_accuracy);
  assert.ok(Math.abs(ours.loss! - reference.loss) < 1e-6);
  assert.notEqual(ours.accuracy, ours.manual_accuracy, 'a random soft prompt changes the predictions');
  assert.deepEqual(events, [16, 32, 48, 64]);
  t.diagnostic(`random 4-token adapter: accuracy ${ours.accuracy}, manual ${ours.manual_accuracy}, loss ${ours.loss}`);
  assert.equal(ours.device, 'cpu');
  const run = JSON.parse(readFileSync(join(ours.runDir!, 'run.json'), 'utf8'));
  assert.equal(run.settings.softPrompt, adapter);
  assert.equal(run.status, 'completed');
  const result = JSON.parse(readFileSync(join(ours.runDir!, 'result.json'), 'utf8'));
  assert.equal(result.metrics.manual_acc, reference.manual_accuracy);
});

test('promptsmith.softPrompt.adapter in the front matter is used unless noSoftPrompt; a missing one is a diagnostic', { skip }, async () => {
  mkdirSync(join(tmp, 'fm'), { recursive: true });
  randomAdapter(join(tmp, 'fm', 'adapter'), 2);
  const file = promptFile('with-adapter', '{{text}} They were', ['promptsmith.softPrompt: { tokens: 2, adapter: fm/adapter }']);
  const withIt = await evaluatePromptFile({ promptFile: file, device: 'cpu' });
  assert.equal(withIt.soft_prompt, join(tmp, 'fm', 'adapter'), 'resolved against the .prompt file');
  const without = await evaluatePromptFile({ promptFile: file, device: 'cpu', noSoftPrompt: true });
  assert.equal(without.soft_prompt, undefined);
  assert.equal(without.accuracy, withIt.manual_accuracy);

  const problemsOf = (source: string) => checkEnvironment(analyzePromptSource(source), nodeEnvironment(file, () => loadTokenizer(modelDir))).filter((p) => p.code === 'soft-prompt-missing');
  assert.deepEqual(problemsOf(readFileSync(file, 'utf8')), []);
  const broken = readFileSync(file, 'utf8').replace('adapter: fm/adapter', 'adapter: fm/nowhere');
  const [problem] = problemsOf(broken);
  assert.equal(problem?.severity, 'error');
  assert.equal(problem?.message, `soft prompt adapter not found: ${join(tmp, 'fm', 'nowhere', 'adapter_config.json')}`);
  assert.equal(broken.slice(problem!.start, problem!.end), 'fm/nowhere');
});

test('bad adapters: a missing folder and a wrong token_dim are one-line errors naming the file', { skip }, async () => {
  const file = promptFile('plain', '{{text}} They were');
  const missing = join(tmp, 'no-such-adapter');
  await assert.rejects(evaluatePromptFile({ promptFile: file, softPrompt: missing, device: 'cpu' }), (err: Error) => {
    assert.equal(err.message, `${join(missing, 'adapter_config.json')}: file not found`);
    return true;
  });
  const wide = join(tmp, 'wide');
  randomAdapter(wide, 2, 32);
  await assert.rejects(evaluatePromptFile({ promptFile: file, softPrompt: wide, device: 'cpu' }), (err: Error) => {
    assert.equal(err.message, `${join(wide, 'adapter_config.json')}: token_dim 32 does not match the model's hidden size 64`);
    return true;
  });
  await assert.rejects(evaluatePromptFile({ promptFile: file, softPrompt: wide, model: modelDir }), /belongs to the file's model/);
});

test('a slot-trained adapter is marked in adapter_config.json and never applied as a prefix: a template without its slot is an error naming the file', { skip }, async () => {
  const dir = join(tmp, 'slot-marked');
  const ids = loadTokenizer(modelDir).encode(' They were', { addSpecialTokens: false });
  const embeddings = new Float32Array(ids.length * HIDDEN);
  for (const [i, id] of ids.entries()) embeddings.set(table.subarray(id * HIDDEN, (id + 1) * HIDDEN), i * HIDDEN);
  saveSoftPrompt(dir, { numVirtualTokens: ids.length, tokenDim: HIDDEN, embeddings, init: 'CLASS_LABELS', baseModel: modelDir, slot: 'feel' });
  const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
  assert.equal(config.promptsmith_slot, 'feel');
  // PEFT has no class-label init: its own field says RANDOM (used only to start training), ours says what ran.
  assert.equal(config.prompt_tuning_init, 'RANDOM');
  assert.equal(config.promptsmith_init, 'CLASS_LABELS');
  assert.deepEqual([loadSoftPrompt(dir).slot, loadSoftPrompt(dir).init], ['feel', 'CLASS_LABELS']);
  const atSlot = await evaluatePromptFile({ promptFile: promptFile('marked-slot', '{{text}}{{softprompt "feel"}}'), softPrompt: dir, device: 'cpu' });
  assert.equal(atSlot.accuracy, 38 / 64, 'at its slot it is " They were": the hand-written accuracy');
  await assert.rejects(
    evaluatePromptFile({ promptFile: promptFile('no-slot', '{{text}} They were'), softPrompt: dir, device: 'cpu' }),
    (e: Error) => e.message.includes(join(dir, 'adapter_config.json')) && /trained at the \{\{softprompt "feel"\}\} slot .* never applied as a prefix/.test(e.message),
  );
  await assert.rejects(
    evaluatePromptFile({ promptFile: promptFile('other-slot', '{{text}}{{softprompt "mood"}}'), softPrompt: dir, device: 'cpu' }),
    /adapter_config\.json: this soft prompt was trained at the \{\{softprompt "feel"\}\} slot/,
  );
});

test('evaluate without --data scores every split (train/dev/test side by side) and carries the data warnings', { skip }, async () => {
  const file = join(tmp, 'splits.prompt');
  const data = tinysentDir()!;
  writeFileSync(
    file,
    ['---', `model: ${modelDir}`, 'promptsmith.task:', `  train: ${join(data, 'train.jsonl')}`, `  dev: ${join(data, 'dev.jsonl')}`, `  test: ${join(data, 'test.jsonl')}`, '  labels: { positive: " happy", negative: " sad" }', '---', '{{text}} They were', ''].join('\n'),
  );
  const e = await evaluatePromptFile({ promptFile: file, device: 'cpu' });
  // tinysent/README.md: 0.594 on dev and 0.795 on test for this template.
  assert.equal(e.accuracy, 38 / 64);
  assert.equal(e.split_accuracy?.dev, 38 / 64);
  assert.equal(e.split_accuracy?.test, 0.795);
  assert.ok(e.split_accuracy!.train! > 0 && e.split_accuracy!.train! < 1);
  assert.deepEqual(
    e.warnings.map((w) => w.split(':')[0]),
    ['64 of 64 dev rows (100%) are near-copies of training rows (same words up to names, numbers and pronouns; lines 1, 2, 3, 4, 5, …)', 'dev has 64 rows', 'test has 200 rows', "verbalizers of different lengths"],
  );
  assert.match(e.warnings[1]!, /the dev accuracy 59% on 64 rows is 47%–71% at 95%/);
  // With --data the accuracy is on that file only, and nothing claims a split table.
  const onTest = await evaluatePromptFile({ promptFile: file, data: join(data, 'test.jsonl'), device: 'cpu' });
  assert.equal(onTest.accuracy, 0.795);
  assert.equal(onTest.split_accuracy, undefined);
});
