// After a window reload the editor reads the prompts found for a .prompt file back from the run
// store: a real, short RL search recorded by the engine method, then what the editor shows and
// where the slot is, also once a prompt has been applied and lines were added above it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newestRlPrompts, readRlPromptsView, slotCandidates } from '../../../src/extension/rlPrompt/rlPromptRuns';
import { locateSlot, withSlotText } from '../../../src/extension/rlPrompt/rlSlot';
import type { TuneRlResult } from '../../../src/protocol/methods/tuneRl';
import { readRunSummary } from '../../../src/runs/runReader';
import { createRun } from '../../../src/runs/runWriter';
import { callMethod } from '../helpers/engineMethods';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';

const skip = storiesHfDir() && tinysentDir() ? false : STORIES_ABSENT;
const SMALL = { steps: 3, samplesPerStep: 4, examplesPerStep: 8, evalEvery: 1, evalCandidates: 2, keepBest: 4, seed: 3 };
let dir: string;
let promptFile: string;
let source: string;
let result: TuneRlResult;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'rl-editor-'));
  const lines = (split: string) => readFileSync(join(tinysentDir()!, `${split}.jsonl`), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'train.jsonl'), `${lines('train').slice(0, 12).join('\n')}\n`);
  writeFileSync(join(dir, 'dev.jsonl'), `${lines('dev').slice(0, 8).join('\n')}\n`);
  writeFileSync(join(dir, 'test.jsonl'), `${[...lines('test').slice(0, 4), ...lines('test').slice(-4)].join('\n')}\n`);
  promptFile = join(dir, 'sentiment.prompt');
  source = ['---', `model: ${await storiesOnnxDir()}`, 'input:', '  schema: { text: string }', 'promptsmith.task:', '  train: train.jsonl', '  dev: dev.jsonl', '  test: test.jsonl', '  labels: { positive: " happy", negative: " sad" }', '---', '{{text}} They were', ''].join('\n');
  writeFileSync(promptFile, source);
  const start = source.indexOf('They were');
  result = await callMethod('tuneRl', { promptFile, slot: { start, end: start + 9 }, overrides: SMALL, workspaceDir: dir, device: 'cpu' });
});
after(() => dir && rmSync(dir, { recursive: true, force: true }));

test('the newest completed RL run of the file gives its prompts, the hand-written scores and the slot', { skip }, () => {
  const read = newestRlPrompts(dir, promptFile);
  assert.equal(read?.problem, undefined);
  const view = read!.view!;
  assert.equal(view.runId, readRunSummary(result.run_dir!).id);
  assert.equal(view.status, 'completed');
  assert.equal(view.measured, true);
  assert.deepEqual(view.written, result.written);
  assert.deepEqual(view.slot, result.slot);
  assert.deepEqual(
    view.prompts.map((p) => [p.text, p.ids, p.tokens, p.train_acc, p.dev_acc, p.test_acc]),
    result.prompts.map((p) => [p.text, p.ids, p.tokens, p.train_acc, p.dev_acc, p.test_acc]),
  );
  assert.ok(view.prompts.every((p) => p.test_acc !== undefined), 'the task has a test split: every prompt has its test accuracy');
  assert.ok(view.promptSha256 && view.endedAt);
  // Another prompt file of the workspace has no RL run.
  assert.equal(newestRlPrompts(dir, join(dir, 'other.prompt')), undefined);
});

test('the slot is found after Apply and after lines were added above it; without its texts it is lost', { skip }, () => {
  const view = newestRlPrompts(dir, promptFile)!.view!;
  const slot = view.slot!;
  assert.deepEqual(locateSlot(source, slot, slotCandidates(view), true), { start: slot.start, end: slot.end });
  const best = view.prompts[0]!.text;
  const applied = withSlotText(source, slot, best).replace('---\n{{text}}', '---\n\n# a comment line\n{{text}}');
  const found = locateSlot(applied, slot, slotCandidates(view))!;
  assert.equal(applied.slice(found.start, found.end), best);
  assert.equal(locateSlot(source.replace('They were', 'It was'), slot, slotCandidates(view)), undefined);
});

test('a newer cancelled run and another kind of run do not replace the completed one; a damaged prompts file is named', { skip }, () => {
  const completed = newestRlPrompts(dir, promptFile)!.view!.runId;
  const cancelled = createRun(dir, { kind: 'rl', name: 'sentiment', promptFile, model: 'm', device: 'cpu', status: 'running' });
  cancelled.setStatus('cancelled');
  const evalRun = createRun(dir, { kind: 'eval', name: 'sentiment', promptFile, model: 'm', device: 'cpu' });
  evalRun.setStatus('completed');
  assert.equal(newestRlPrompts(dir, promptFile)?.view?.runId, completed);

  const damaged = createRun(dir, { kind: 'random', name: 'sentiment', promptFile, model: 'm', device: 'cpu', status: 'running' });
  damaged.writeResult({ metrics: {}, artifacts: { prompts: 'prompts/rlprompt-result.json' } });
  damaged.setStatus('completed');
  const read = readRlPromptsView(readRunSummary(damaged.dir));
  assert.match(read.problem ?? '', /rlprompt-result\.json/);
  const noArtifact = createRun(dir, { kind: 'rl', name: 'sentiment', promptFile, model: 'm', device: 'cpu', status: 'running' });
  noArtifact.writeResult({ metrics: {} });
  noArtifact.setStatus('completed');
  assert.match(readRlPromptsView(readRunSummary(noArtifact.dir)).problem ?? '', /names no prompts file/);
});
