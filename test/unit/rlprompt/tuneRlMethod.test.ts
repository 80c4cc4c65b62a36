// RL prompt tuning and random search as pipeline tasks: the engine method records a run (kind,
// slot, curves, best prompts, the result file), the CLI prints the public JSON lines, a time
// budget ends a search early but measured, and rewards can come from an OpenAI-compatible endpoint
// while the policy stays local.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EngineEvent } from '../../../src/protocol/engineApi';
import { ProtocolError } from '../../../src/protocol/guards';
import { parseTuneRlParams } from '../../../src/protocol/methods/tuneRl';
import { readRun } from '../../../src/runs/runReader';
import { callMethod } from '../helpers/engineMethods';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';
import { SERVED_NAME, serveStories } from '../remote/remoteHelpers';

const skip = storiesHfDir() && tinysentDir() ? false : STORIES_ABSENT;
const SMALL = { steps: 4, samplesPerStep: 4, examplesPerStep: 8, evalEvery: 2, evalCandidates: 2, keepBest: 3, seed: 5 };
let dir: string;
let promptFile: string;
let model: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'rl-method-'));
  model = await storiesOnnxDir();
  const lines = (split: string) => readFileSync(join(tinysentDir()!, `${split}.jsonl`), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'train.jsonl'), `${lines('train').slice(0, 16).join('\n')}\n`);
  writeFileSync(join(dir, 'dev.jsonl'), `${lines('dev').slice(0, 12).join('\n')}\n`);
  writeFileSync(join(dir, 'test.jsonl'), `${[...lines('test').slice(0, 6), ...lines('test').slice(-6)].join('\n')}\n`);
  promptFile = join(dir, 'sentiment.prompt');
  writeFileSync(
    promptFile,
    ['---', `model: ${model}`, 'input:', '  schema: { text: string }', 'promptsmith.task:', '  train: train.jsonl', '  dev: dev.jsonl', '  test: test.jsonl', '  labels: { positive: " happy", negative: " sad" }', '---', '{{text}} They were', ''].join('\n'),
  );
});
after(() => dir && rmSync(dir, { recursive: true, force: true }));

/** The slot " They were" on line 11 as an editor shows it (1-based, end exclusive). */
const SLOT_POSITION = '11:9-11:19';

test('tuneRl params: a bad setting, both slot forms, or reversed offsets are refused by name', () => {
  assert.throws(() => parseTuneRlParams({ promptFile: 'a.prompt', overrides: { vocabulary: 'emoji' } }), (e: Error) => e instanceof ProtocolError && /overrides\.vocabulary/.test(e.message));
  assert.throws(() => parseTuneRlParams({ promptFile: 'a.prompt', slot: { start: 1, end: 2 }, slotPosition: '1:1-1:2' }), /slot or slotPosition/);
  assert.throws(() => parseTuneRlParams({ promptFile: 'a.prompt', slot: { start: 5, end: 2 } }), /params\.slot/);
  assert.equal(parseTuneRlParams({ promptFile: 'a.prompt', method: 'random' }).method, 'random');
});

test('engine method tuneRl: curves and best prompts stream, the run records its slot and result file', { skip }, async () => {
  const events: EngineEvent[] = [];
  const source = readFileSync(promptFile, 'utf8');
  const start = source.indexOf(' They were');
  const result = await callMethod('tuneRl', { promptFile, slot: { start, end: start + 10 }, overrides: SMALL, workspaceDir: dir, device: 'cpu' }, { onEvent: (e) => events.push(e) });
  assert.deepEqual(
    events.flatMap((e) => (e.type === 'progress' ? [e.step] : [])),
    [1, 2, 3, 4],
  );
  const progress = events.find((e) => e.type === 'progress');
  assert.ok(progress?.type === 'progress' && typeof progress.reward === 'number' && typeof progress.train_acc === 'number');
  assert.ok(events.some((e) => e.type === 'bestPrompts' && e.rows.length > 0));
  assert.equal(result.method, 'rl');
  assert.deepEqual(result.slot, { start, end: start + 10, kind: 'range' });
  assert.equal(result.written.text, ' They were');
  assert.ok(result.prompts.length > 0 && result.prompts.every((p) => p.test_acc !== null && p.dev_acc !== null));
  assert.ok(result.trainable_params > 0, 'the policy MLP is what RL trains');
  const run = readRun(result.run_dir!);
  assert.equal(run.meta?.kind, 'rl');
  assert.deepEqual(run.meta?.settings.slot, { start, end: start + 10 });
  assert.equal(run.result?.metrics.manual_test_acc, result.written.test_acc);
  assert.equal(run.result?.bestPrompts?.[0]?.text, result.prompts[0]!.text);
  const file = join(run.dir, run.result!.artifacts!.prompts!);
  assert.ok(existsSync(file), file);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).prompts[0].text, result.prompts[0]!.text);
});

test('CLI tune rl --json: flat progress lines, then the result in the public format, sorted by dev then reward', { skip }, () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [cliBundle(), ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  const r = cli(['tune', 'rl', promptFile, '--slot', SLOT_POSITION, '--seed', '2', '--steps', '3', '--samples-per-step', '4', '--examples-per-step', '8', '--device', 'cpu', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const progress = lines.filter((l) => l.type === 'progress');
  assert.deepEqual(
    progress.map((p) => p.step),
    [1, 2, 3],
  );
  for (const p of progress) assert.deepEqual(Object.keys(p).sort(), ['best_prompt', 'dev_acc', 'reward_mean', 'step', 'type']);
  const result = lines.at(-1);
  assert.equal(result.type, 'result');
  assert.equal(result.written.text, ' They were');
  for (const p of result.prompts) assert.deepEqual(Object.keys(p).sort(), ['dev_acc', 'ids', 'reward', 'test_acc', 'text', 'train_acc']);
  for (let i = 1; i < result.prompts.length; i++) {
    const [a, b] = [result.prompts[i - 1], result.prompts[i]];
    assert.ok(a.dev_acc > b.dev_acc || (a.dev_acc === b.dev_acc && a.reward >= b.reward), 'sorted by dev accuracy, then reward');
  }
  const bad = cli(['tune', 'rl', promptFile, '--vocabulary', 'emoji']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--vocabulary: expected one of/);
  const outside = cli(['tune', 'random', promptFile, '--slot', '1:1-1:4', '--device', 'cpu']);
  assert.notEqual(outside.status, 0);
  assert.match(outside.stderr, /outside the template/);
});

test('a time budget ends random search after its current step, with the best so far measured on every split', { skip }, async () => {
  const result = await callMethod('tuneRl', { promptFile, method: 'random', overrides: { ...SMALL, steps: 500 }, timeBudgetS: 0.001, workspaceDir: dir, device: 'cpu' });
  assert.equal(result.steps_run, 1);
  assert.equal(result.trainable_params, 0);
  assert.ok(result.measured && result.prompts[0]!.test_acc !== null);
});

test('rewards through an OpenAI-compatible endpoint with a local policy; without a policy model the error says what to set', { skip }, async () => {
  const { server } = await serveStories();
  try {
    const remote = { model: `openai-compatible/${SERVED_NAME}`, endpoint: server.url, device: 'cpu' as const, workspaceDir: dir };
    await assert.rejects(callMethod('tuneRl', { promptFile, overrides: SMALL, ...remote }), /the task model is remote .* promptsmith\.rl\.policyModel \(or --policy-model\)/);
    const result = await callMethod('tuneRl', { promptFile, overrides: { ...SMALL, steps: 2, policyModel: model }, ...remote });
    assert.equal(result.steps_run, 2);
    assert.ok(result.evaluations > 0 && result.prompts.length > 0);
    assert.ok(result.prompts.every((p) => p.test_acc !== null));
  } finally {
    await server.close();
  }
});
