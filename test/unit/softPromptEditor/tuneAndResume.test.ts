// What the editor relies on from the engine's `tuneSoft`, on the real stories260k model and
// tinysent: the run id comes first ({type:'run'}), a cancelled run resumed by its folder finishes
// in the same record with the same soft prompt as an uninterrupted run, and the inline hint then
// reads that run's nearest tokens back from .promptsmith/runs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { readRunSummary } from '../../../src/engine/host/runStoreReader';
import { loadSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { tuneSoftMethod } from '../../../src/engine/tuning/softprompt/tuneSoftMethod';
import { hintTitle } from '../../../src/extension/softPrompt/softPromptHintText';
import { adapterDir, newestSoftPromptHint } from '../../../src/extension/softPrompt/softPromptRuns';
import { parseRunAnnouncement, parseTuneSoftSummary } from '../../../src/extension/softPrompt/tuneSoftEvents';
import type { Json } from '../../../src/protocol/guards';
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
  events: Record<string, Json>[];
  result?: Json;
  error?: Error;
}

/** Calls the engine method as the extension does; `cancelAtStep` aborts the request like the Cancel button. */
async function tune(params: Record<string, Json>, cancelAtStep?: number): Promise<Attempt> {
  const controller = new AbortController();
  const attempt: Attempt = { events: [] };
  const emit = (event: Json) => {
    const e = event as Record<string, Json>;
    attempt.events.push(e);
    if (e.type === 'progress' && e.step === cancelAtStep) controller.abort();
  };
  try {
    attempt.result = await tuneSoftMethod({ device: 'cpu', workspaceDir: ws, ...params }, { emit, signal: controller.signal });
  } catch (err) {
    attempt.error = err as Error;
  }
  return attempt;
}

const steps = (a: Attempt) => a.events.filter((e) => e.type === 'progress').map((e) => e.step);

test('cancel, then Resume by run folder: same record, same soft prompt as an uninterrupted run, hint from the run', { skip }, async () => {
  const file = writePrompt();

  const cancelled = await tune({ promptFile: file }, 2);
  assert.ok(cancelled.error, 'a cancelled request rejects');
  const announced = parseRunAnnouncement(cancelled.events[0]);
  assert.ok(announced, `the first event names the run: ${JSON.stringify(cancelled.events[0])}`);
  assert.equal(basename(announced.dir), announced.runId);
  assert.deepEqual(steps(cancelled), [1, 2]);
  const stopped = readRunSummary(announced.dir);
  assert.equal(stopped.meta?.status, 'cancelled');
  assert.ok(stopped.resumable);
  assert.equal(newestSoftPromptHint(ws, file), undefined, 'a cancelled run gives no hint');

  // Resume as the panel's resumer does: the run folder, and the run's recorded overrides (none).
  const resumed = await tune({ promptFile: file, resume: announced.dir });
  assert.equal(resumed.error, undefined, resumed.error?.message);
  assert.deepEqual(parseRunAnnouncement(resumed.events[0]), announced, 'the resumed request names the same run');
  assert.deepEqual(steps(resumed), [3, 4], 'continues after the checkpoint written at the cancel');
  const statuses = resumed.events.filter((e) => e.type === 'status').map((e) => e.status);
  assert.deepEqual(statuses, ['running', 'completed']);
  const done = readRunSummary(announced.dir);
  assert.equal(done.meta?.status, 'completed');
  assert.equal(done.meta?.attempts, 2);
  const summary = parseTuneSoftSummary(resumed.result);
  assert.equal(summary.out, adapterDir(announced.dir));

  const straight = await tune({ promptFile: file, out: join(ws, 'straight') });
  assert.equal(straight.error, undefined, straight.error?.message);
  assert.deepEqual(steps(straight), [1, 2, 3, 4]);
  assert.deepEqual(loadSoftPrompt(summary.out, 64).embeddings, loadSoftPrompt(join(ws, 'straight'), 64).embeddings);

  // After a reload the editor finds this run and shows what the engine returned.
  const read = newestSoftPromptHint(ws, file);
  assert.equal(read?.problem, undefined);
  const hint = read!.hint!;
  assert.equal(hint.runId, announced.runId);
  assert.equal(hint.numVirtualTokens, 3);
  assert.equal(hint.devAcc, summary.devAcc);
  assert.equal(hint.manualDevAcc, 38 / 64); // tinysent/README.md: the manual template's dev accuracy
  const nearest = (resumed.result as { nearest: { id: number; token: string; similarity: number }[][] }).nearest;
  assert.deepEqual(hint.nearest, nearest);
  assert.equal(hint.nearest[0]!.length, 5);
  assert.equal(hintTitle(hint), `◆ soft prompt (3 tokens, dev ${summary.devAcc!.toFixed(2)}): ${nearest.map((r) => r[0]!.token).join(' ')}`);
});
