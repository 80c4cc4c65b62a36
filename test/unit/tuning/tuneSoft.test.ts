// `tune soft` end to end from a .prompt file: the engine method (events, adapter on disk, the
// manual baseline equal to tinysent's README number) and the CLI's --json output with BBT.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import type { EngineEvent } from '../../../src/protocol/engineApi';
import { ProtocolError } from '../../../src/protocol/guards';
import { parseTuneSoftParams } from '../../../src/protocol/methods/tuneSoft';
import { encodeModel } from '../../../src/engine/onnx/codec';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import { evaluateSoftPrompt } from '../helpers/objectiveEvaluation';
import { loadSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { findEmbeddingGather } from '../../../src/engine/tuning/softprompt/surgery';
import { loadTrainingGraph } from '../../../src/engine/tuning/softprompt/trainingGraph';
import { tuneSoftPrompt } from '../../../src/engine/tuning/softprompt/tuneSoftPrompt';
import { callMethod } from '../helpers/engineMethods';
import { storiesHfDir, tinysentDir } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';

const modelDir = storiesHfDir();
const dataDir = tinysentDir();
const skip = modelDir && dataDir ? false : 'needs ../shared/models/stories260k-hf and ../shared/data/tinysent (absent)';
const tmp = mkdtempSync(join(tmpdir(), 'tune-soft-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function promptFile(model = modelDir!): string {
  // A small training set keeps the run short; the dev set is the full tinysent dev.
  const train = readFileSync(join(dataDir!, 'train.jsonl'), 'utf8').split('\n').slice(0, 8).join('\n');
  writeFileSync(join(tmp, 'train.jsonl'), train);
  const file = join(tmp, 'sentiment.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${model}`,
      'promptsmith.task:',
      '  train: train.jsonl',
      `  dev: ${join(dataDir!, 'dev.jsonl')}`,
      '  labels: { positive: " happy", negative: " sad" }',
      'promptsmith.softPrompt: { tokens: 2, init: TEXT, initText: "They felt", steps: 4, optimizer: adam, lr: 0.05, evalEvery: 2 }',
      '---',
      '{{text}} They were',
      '',
    ].join('\n'),
  );
  return file;
}

test('engine method tuneSoft: progress events, PEFT adapter (re-evaluated), nearest tokens, manual baseline, run record', { skip }, async () => {
  const file = promptFile();
  const events: EngineEvent[] = [];
  const out = join(tmp, 'adapter-gradient');
  const result = await callMethod('tuneSoft', { promptFile: file, out, workspaceDir: tmp, device: 'cpu' }, { onEvent: (e) => events.push(e) });
  assert.deepEqual(
    events.flatMap((e) => (e.type === 'progress' ? [e.step] : [])),
    [1, 2, 3, 4],
  );
  // Through the engine's task queue: queued → running → completed, then the panel's result.
  assert.deepEqual(
    events.flatMap((e) => (e.type === 'status' ? [e.status] : [])),
    ['queued', 'running', 'completed'],
  );
  const taskResult = events.flatMap((e) => (e.type === 'result' ? [e.result] : []))[0]!;
  assert.equal(taskResult.metrics.dev_acc, result.dev_acc);
  assert.equal(result.out, out);
  assert.equal(result.method, 'gradient');
  assert.equal(result.device, 'cpu');
  // tinysent/README.md: `{text} They were`, ' happy'/' sad', zero-shot dev accuracy 0.594 (38/64).
  assert.equal(result.manual_dev_acc, 38 / 64);
  assert.equal(result.nearest_tokens.length, 2);
  assert.equal(result.nearest_tokens[0]!.length, 5);
  // No test split in this task: nothing claims a held-out number, and the result says why that matters.
  assert.equal(result.test_acc, null);
  assert.equal(result.manual_test_acc, null);
  assert.match(result.warnings.join('\n'), /^28 of 64 dev rows \(44%\) are near-copies of training rows/m, "the 8 training rows hold 28 dev rows' events");
  assert.match(result.warnings.join('\n'), /^no test split: the dev accuracy was used for selection/m);
  assert.deepEqual(taskResult.warnings, result.warnings);
  assert.match(taskResult.summary!, /dev \(used for selection\)/);
  assert.ok(result.train_acc !== null && result.train_acc >= 0 && result.train_acc <= 1);
  // The saved adapter is the best prompt on dev: evaluating it again gives the same accuracy.
  const again = await evaluateSoftPrompt({ promptFile: file, adapterDir: out, device: 'cpu' });
  assert.equal(again.accuracy, result.dev_acc);
  assert.equal(again.manual_accuracy, 38 / 64);
  assert.equal(again.examples.length, 64);
  assert.equal(again.examples.filter((e) => e.label === e.predicted).length / 64, again.accuracy);
  const adapter = loadSoftPrompt(out, 64);
  assert.equal(adapter.numVirtualTokens, 2);
  assert.equal(adapter.init, 'TEXT');
  assert.ok(adapter.embeddings.every(Number.isFinite));

  // With --out the run is recorded too, and it names the adapter folder outside it.
  assert.equal(JSON.parse(readFileSync(join(result.run_dir!, 'run.json'), 'utf8')).settings.out, out);

  // Without --out the adapter goes into the run folder: adapter, metrics and status in .promptsmith/runs/….
  const recorded = await callMethod('tuneSoft', { promptFile: file, workspaceDir: tmp, device: 'cpu', overrides: { steps: 2 } });
  const runDir = recorded.run_dir!;
  assert.ok(runDir.startsWith(join(tmp, '.promptsmith', 'runs')), runDir);
  assert.equal(recorded.out, join(runDir, 'adapter'));
  assert.equal(loadSoftPrompt(recorded.out, 64).numVirtualTokens, 2);
  assert.equal(loadSoftPrompt(recorded.out, 64).baseModel, modelDir, 'the base model is an absolute folder, never relative to the .prompt file');
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'completed');
  const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(
    metrics.filter((m) => m.type === 'progress').map((m) => m.step),
    [1, 2],
  );
  assert.equal(JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')).artifacts.adapter, 'adapter/adapter_config.json');
  assert.deepEqual(
    metrics.filter((m) => m.type === 'checkpoint'),
    [{ type: 'checkpoint', step: 2, path: 'adapter/checkpoint' }],
  );

  assert.throws(() => parseTuneSoftParams({ promptFile: file, overrides: { optimizer: 'sgd' } }), (e: Error) => e instanceof ProtocolError && /params\.overrides\.optimizer/.test(e.message));
  assert.throws(() => parseTuneSoftParams({}), /params\.promptFile/);
});

test('CLI: tune soft --json --method bbt prints flat progress lines and, last, the result with every split', { skip }, () => {
  const file = promptFile();
  const out = join(tmp, 'adapter-bbt');
  const cli = (args: string[]) => spawnSync(process.execPath, [cliBundle(), ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });
  const r = cli(['tune', 'soft', file, '--json', '--method', 'bbt', '--steps', '2', '--out', out, '--device', 'cpu']);
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    events.filter((e) => e.type === 'progress').map((e) => e.step),
    [1, 2],
  );
  for (const e of events.filter((x) => x.type === 'progress')) assert.ok(typeof e.loss === 'number' && typeof e.train_acc === 'number');
  const result = events.at(-1);
  assert.equal(result.type, 'result');
  assert.equal(result.out, out);
  assert.equal(result.method, 'bbt');
  assert.ok(result.dev_acc >= 0 && result.dev_acc <= 1);
  assert.ok(result.train_acc >= 0 && result.train_acc <= 1);
  assert.equal(result.test_acc, null);
  assert.ok(Array.isArray(result.warnings) && result.warnings.length > 0, 'the data warnings are in the JSON result');
  assert.equal(result.nearest_tokens.length, 2);
  assert.equal(loadSoftPrompt(out, 64).numVirtualTokens, 2);
  const bad = cli(['tune', 'soft', file, '--optimizer', 'sgd']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--optimizer: expected one of adafactor, adam/);
});

/** The training graph with x + 0·Sinh(x) after the embedding lookup: same numbers, but Sinh has no gradient rule. */
function withUndifferentiableOp(model: OnnxModel): OnnxModel {
  const { node } = findEmbeddingGather(model.graph);
  const x = node.outputs[0]!;
  const nodes = model.graph.nodes.map((n) => (n === node ? n : { ...n, inputs: n.inputs.map((i) => (i === x ? 'x_wrapped' : i)) }));
  const at = nodes.indexOf(node) + 1;
  const zero = { name: 'zero_f32', dataType: 'float32' as const, dims: [], data: Float32Array.of(0) };
  nodes.splice(
    at,
    0,
    { name: 'TestSinh', opType: 'Sinh', inputs: [x], outputs: ['x_sinh'], attributes: {} },
    { name: 'TestZero', opType: 'Mul', inputs: ['x_sinh', zero.name], outputs: ['x_zeroed'], attributes: {} },
    { name: 'TestAdd', opType: 'Add', inputs: [x, 'x_zeroed'], outputs: ['x_wrapped'], attributes: {} },
  );
  return { ...model, graph: { ...model.graph, nodes, initializers: [...model.graph.initializers, zero] } };
}

test('a graph the autodiff refuses falls back to BBT with a message naming the op (ONNX-only model folder)', { skip }, async () => {
  const dir = join(tmp, 'sinh-model');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(modelDir!, f), join(dir, f));
  writeFileSync(join(dir, 'onnx', 'model.onnx'), encodeModel(withUndifferentiableOp(loadTrainingGraph(modelDir!))));
  const file = promptFile(dir);
  const messages: string[] = [];
  const result = await tuneSoftPrompt({ promptFile: file, out: join(tmp, 'adapter-fallback'), device: 'cpu', overrides: { steps: 1 }, emit: (e) => e.type === 'message' && messages.push(e.message) });
  assert.equal(result.method, 'bbt');
  assert.match(messages[0]!, /Sinh.*falling back to gradient-free Black-Box Tuning/);
  // Same forward numbers as the original model: the manual baseline is unchanged.
  assert.equal(result.manual_dev_acc, 38 / 64);
});

test('--resume of an output folder continues from its checkpoint: 4 steps + resume to 6 = 6 steps straight', { skip }, async () => {
  const file = promptFile();
  const straight = join(tmp, 'straight');
  const split = join(tmp, 'split');
  const steps: number[] = [];
  const run = (out: string, total: number, resume?: boolean) =>
    tuneSoftPrompt({ promptFile: file, out, resume, device: 'cpu', overrides: { steps: total }, emit: (e) => e.type === 'progress' && steps.push(e.step) });
  const a = await run(straight, 6);
  await run(split, 4);
  steps.length = 0;
  const b = await run(split, 6, true);
  // Only the steps after the checkpoint ran.
  assert.deepEqual(steps, [5, 6]);
  assert.equal(b.steps_run, 6);
  assert.equal(b.best_step, a.best_step);
  assert.deepEqual(loadSoftPrompt(split).embeddings, loadSoftPrompt(straight).embeddings);
});

test('a time budget ends soft prompt tuning early but normally: the best on dev so far is evaluated and saved', { skip }, async () => {
  const file = promptFile();
  let checks = 0;
  const steps: number[] = [];
  // A budget that runs out after the third step (counted by the trainer's checks, not by time).
  const result = await tuneSoftPrompt({ promptFile: file, out: join(tmp, 'budget'), device: 'cpu', overrides: { steps: 50, evalEvery: 10 }, shouldStop: () => ++checks >= 3, emit: (e) => e.type === 'progress' && steps.push(e.step) });
  assert.deepEqual(steps, [1, 2, 3]);
  assert.equal(result.steps_run, 3);
  assert.equal(result.stopped_early, true);
  assert.equal(result.cancelled, false);
  assert.equal(result.best_step, 3, 'the last step was evaluated on dev although 3 is not a multiple of evalEvery');
  assert.ok(result.dev_acc !== null && result.test_acc === null);
  assert.equal(loadSoftPrompt(join(tmp, 'budget'), 64).numVirtualTokens, 2);
});
