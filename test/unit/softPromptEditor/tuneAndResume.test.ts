// What the editor relies on from the engine's `tuneSoft`, on the real stories260k model and
// tinysent: the run id comes first ({type:'run'}), a cancelled run resumed by its folder finishes
// in the same record with the same soft prompt as an uninterrupted run, and the inline hint then
// reads that run's nearest tokens back from .promptsmith/runs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { readRunSummary } from '../../../src/runs/runReader';
import { loadSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { methods } from '../../../src/engine/host/methods/index';
import { hintTitle } from '../../../src/extension/softPrompt/softPromptHintText';
import { newestSoftPromptHint } from '../../../src/extension/softPrompt/softPromptRuns';
import type { EngineEvent } from '../../../src/protocol/engineApi';
import { PARAMS_PARSERS, RESULT_PARSERS } from '../../../src/protocol/engineApi';
import type { TuneSoftResult } from '../../../src/protocol/methods/tuneSoft';
import { storiesHfDir, tinysentDir } from '../helpers/fixtures';

const modelDir = storiesHfDir();
const dataDir = tinysentDir();
const skip = modelDir && dataDir ? false : 'needs ../shared/models/stories260k-hf and ../shared/data/tinysent (absent)';
const ws = mkdtempSync(join(tmpdir(), 'soft-editor-'));
after(() => rmSync(ws, { recursive: true, force: true }));

function writePrompt(): string {
  const train = readFileSync(join(dataDir!, 'train.jsonl'), 'utf8').split('\n').slice(0, 8).join('\n');
  writeFileSync(join(ws, 'train.jsonl'), train);
  const file = join(ws, 'sentiment.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${modelDir}`,
      'promptsmith.task:',
      '  train: train.jsonl',
      `  dev: ${join(dataDir!, 'dev.jsonl')}`,
      '  labels: { positive: " happy", negative: " sad" }',
      'promptsmith.softPrompt: { tokens: 3, init: TEXT, initText: "They felt", steps: 4, optimizer: adam, lr: 0.05, evalEvery: 2, batchSize: 4 }',
      '---',
      '{{text}} They were',
      '',
    ].join('\n'),
  );
  return file;
}

interface Attempt {
  events: EngineEvent[];
  result?: TuneSoftResult;
  error?: Error;
}

/**
 * Calls the engine method as the engine host does for the extension's request (params and result
 * through the protocol's validators); `cancelAtStep` aborts the request like the Cancel button.
 */
async function tune(params: Record<string, string>, cancelAtStep?: number): Promise<Attempt> {
  const controller = new AbortController();
  const attempt: Attempt = { events: [] };
  const emit = (e: EngineEvent) => {
    attempt.events.push(e);
    if (e.type === 'progress' && e.step === cancelAtStep) controller.abort();
  };
  try {
    const raw = await methods.tuneSoft(PARAMS_PARSERS.tuneSoft({ device: 'cpu', workspaceDir: ws, ...params }), { emit, signal: controller.signal });
    attempt.result = RESULT_PARSERS.tuneSoft(JSON.parse(JSON.stringify(raw)));
  } catch (err) {
    attempt.error = err as Error;
  }
  return attempt;
}

const steps = (a: Attempt) => a.events.flatMap((e) => (e.type === 'progress' ? [e.step] : []));
const runOf = (a: Attempt) => a.events.find((e) => e.type === 'run');

test('cancel, then Resume by run folder: same record, same soft prompt as an uninterrupted run, hint from the run', { skip }, async () => {
  const file = writePrompt();

  const cancelled = await tune({ promptFile: file }, 2);
  assert.ok(cancelled.error, 'a cancelled request rejects');
  const announced = runOf(cancelled);
  assert.ok(announced && cancelled.events[0] === announced, `the first event names the run: ${JSON.stringify(cancelled.events[0])}`);
  assert.equal(basename(announced.dir), announced.runId);
  assert.deepEqual(steps(cancelled), [1, 2]);
  const stopped = readRunSummary(announced.dir);
  assert.equal(stopped.meta?.status, 'cancelled');
  assert.ok(stopped.resumable);
  assert.equal(newestSoftPromptHint(ws, file), undefined, 'a cancelled run gives no hint');

  // Resume as the panel's resumer does: the run folder (the engine reuses its recorded settings).
  const resumed = await tune({ promptFile: file, resume: announced.dir });
  assert.equal(resumed.error, undefined, resumed.error?.message);
  assert.deepEqual(resumed.events[0], announced, 'the resumed request names the same run');
  assert.deepEqual(steps(resumed), [3, 4], 'continues after the checkpoint written at the cancel');
  const statuses = resumed.events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
  assert.deepEqual(statuses, ['queued', 'running', 'completed']);
  const done = readRunSummary(announced.dir);
  assert.equal(done.meta?.status, 'completed');
  assert.equal(done.meta?.attempts, 2);
  const summary = resumed.result!;
  assert.equal(summary.out, join(announced.dir, 'adapter'));

  // The hint reads the newest run: take it now, before the uninterrupted run below is recorded.
  const read = newestSoftPromptHint(ws, file);

  const straight = await tune({ promptFile: file, out: join(ws, 'straight') });
  assert.equal(straight.error, undefined, straight.error?.message);
  assert.deepEqual(steps(straight), [1, 2, 3, 4]);
  assert.deepEqual(loadSoftPrompt(summary.out, 64).embeddings, loadSoftPrompt(join(ws, 'straight'), 64).embeddings);

  // After a reload the editor finds the resumed run and shows what the engine returned.
  assert.equal(read?.problem, undefined);
  const hint = read!.hint!;
  assert.equal(hint.runId, announced.runId);
  assert.equal(hint.numVirtualTokens, 3);
  assert.equal(hint.devAcc, summary.dev_acc);
  assert.equal(hint.manualDevAcc, 38 / 64); // tinysent/README.md: the manual template's dev accuracy
  const nearest = summary.nearest;
  assert.deepEqual(hint.nearest, nearest);
  assert.equal(hint.nearest[0]!.length, 5);
  assert.equal(hintTitle(hint), `◆ soft prompt (3 tokens, dev ${summary.dev_acc!.toFixed(2)} (used for selection)): ${nearest.map((r) => r[0]!.token).join(' ')}`);
});
