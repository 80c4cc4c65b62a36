// The soft prompt trainer on the real stories260k model with tinysent: training lowers the
// loss, best-on-dev bookkeeping, early stopping, cancel + resume equal to an uninterrupted run,
// and the BBT fallback's forward-only search.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { Rng } from '../../../src/engine/tuning/optim/rng';
import type { BatchExample } from '../../../src/engine/tuning/softprompt/batchFeeds';
import { trainBbt } from '../../../src/engine/tuning/softprompt/bbt';
import { tableStats } from '../../../src/engine/tuning/softprompt/init';
import { initialSoftPrompt } from '../../../src/engine/tuning/softprompt/init';
import { SoftPromptObjective } from '../../../src/engine/tuning/softprompt/objective';
import { promptIds } from '../../../src/engine/tuning/softprompt/placement';
import { openSoftPromptSessions, releaseSessions, type SoftPromptSessions } from '../../../src/engine/tuning/softprompt/softPromptSession';
import { type TrainerOptions, type TrainProgress, trainSoftPrompt } from '../../../src/engine/tuning/softprompt/trainer';
import { loadTrainingGraph } from '../../../src/engine/tuning/softprompt/trainingGraph';
import { storiesHfDir, tinysentDir } from '../helpers/fixtures';

const modelDir = storiesHfDir();
const dataDir = tinysentDir();
const skip = modelDir && dataDir ? false : 'needs ../shared/models/stories260k-hf and ../shared/data/tinysent (absent)';
const N = 4;
let sessions: SoftPromptSessions;
let objective: SoftPromptObjective;
let data: { train: BatchExample[]; dev: BatchExample[] };
let p0: Float32Array;
const tmp = mkdtempSync(join(tmpdir(), 'softprompt-trainer-'));

function rows(file: string): { text: string; label: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

before(async () => {
  if (skip) return;
  sessions = await openSoftPromptSessions(loadTrainingGraph(modelDir!), { numVirtualTokens: N, loss: 'classification', device: 'cpu', gradient: true });
  const tok = loadTokenizer(modelDir!);
  const labels = ['positive', 'negative'];
  objective = new SoftPromptObjective(sessions, [' happy', ' sad'].map((v) => tok.encode(v, { addSpecialTokens: false })));
  const ctx = { tokenizer: tok, vocabSize: sessions.vocabSize, numVirtualTokens: N };
  const toExamples = (file: string, count: number) =>
    rows(file)
      .slice(0, count)
      .map((r) => ({ ids: promptIds(ctx, `${r.text} They were`), label: labels.indexOf(r.label) }));
  data = { train: toExamples(join(dataDir!, 'train.jsonl'), 32), dev: toExamples(join(dataDir!, 'dev.jsonl'), 16) };
  const table = sessions.table.data as Float32Array;
  p0 = initialSoftPrompt('TEXT', { numVirtualTokens: N, hidden: sessions.hidden, vocabSize: sessions.vocabSize, table, rng: new Rng(0), textIds: tok.encode(' They felt very', { addSpecialTokens: false }) });
});

after(async () => {
  if (sessions) await releaseSessions(sessions);
  rmSync(tmp, { recursive: true, force: true });
});

const base = (over: Partial<TrainerOptions> = {}): TrainerOptions => ({
  steps: 8,
  lr: 0.05,
  optimizer: 'adam',
  batchSize: 8,
  evalEvery: 2,
  patience: 0,
  seed: 3,
  checkpointEvery: 0,
  ...over,
});

test('training lowers the training loss; progress events and best-on-dev are consistent', { skip }, async () => {
  const events: TrainProgress[] = [];
  const before = await objective.evaluate(p0, data.train);
  const r = await trainSoftPrompt(objective, data, p0, base({ steps: 10, onProgress: (e) => events.push(e) }));
  const afterTrain = await objective.evaluate(r.finalPrompt, data.train);
  assert.ok(afterTrain.loss < before.loss - 0.02, `train loss ${before.loss} → ${afterTrain.loss}`);
  assert.equal(events.length, 10);
  assert.deepEqual(
    events.filter((e) => e.dev_acc !== undefined).map((e) => e.step),
    [2, 4, 6, 8, 10],
  );
  for (const e of events) assert.ok(Number.isFinite(e.loss) && (e.train_acc ?? -1) >= 0 && (e.train_acc ?? 2) <= 1 && e.totalSteps === 10);
  const bestEvent = events.find((e) => e.step === r.bestStep)!;
  assert.equal(bestEvent.dev_acc, r.devAcc);
  assert.ok(events.every((e) => e.dev_acc === undefined || e.dev_acc <= r.devAcc));
  // The returned prompt is the one that scored best on dev.
  assert.equal((await objective.evaluate(r.prompt, data.dev)).accuracy, r.devAcc);
});

test('early stopping: with lr 0 nothing improves, so patience 2 stops after the third evaluation', { skip }, async () => {
  const r = await trainSoftPrompt(objective, data, p0, base({ lr: 0, patience: 2, steps: 50 }));
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.stepsRun, 6);
  assert.equal(r.bestStep, 2);
  assert.deepEqual(r.prompt, p0);
});

test('cancel + resume from the checkpoint ends exactly like an uninterrupted run of the same seed', { skip }, async () => {
  const full = await trainSoftPrompt(objective, data, p0, base({ checkpointEvery: 2, checkpointDir: join(tmp, 'full') }));
  const controller = new AbortController();
  const dir = join(tmp, 'interrupted');
  const first = await trainSoftPrompt(
    objective,
    data,
    p0,
    base({ checkpointEvery: 2, checkpointDir: dir, signal: controller.signal, onProgress: (e) => e.step === 5 && controller.abort() }),
  );
  assert.equal(first.cancelled, true);
  assert.equal(first.stepsRun, 5);
  const resumed = await trainSoftPrompt(objective, data, new Float32Array(p0.length), base({ checkpointEvery: 2, checkpointDir: dir, resumeFrom: dir }));
  assert.equal(resumed.stepsRun, 8);
  assert.deepEqual(resumed.finalPrompt, full.finalPrompt);
  assert.deepEqual(resumed.prompt, full.prompt);
  assert.equal(resumed.bestStep, full.bestStep);
  assert.equal(resumed.devAcc, full.devAcc);
  await assert.rejects(trainSoftPrompt(objective, data, p0, base({ seed: 4, resumeFrom: dir })), /seed = 3, this run has 4/);
  // Other rows of the same size (the data or the template changed while the run was stopped).
  const edited = { ...data, dev: data.dev.map((e) => ({ ...e, label: 1 - (e.label ?? 0) })) };
  await assert.rejects(trainSoftPrompt(objective, edited, p0, base({ resumeFrom: dir })), /the task changed since the checkpoint/);
});

test('BBT: CMA-ES over z ∈ R^500 lowers the training loss from forward passes only', { skip }, async () => {
  const small = { train: data.train.slice(0, 4), dev: data.dev.slice(0, 4) };
  const before = await objective.evaluate(p0, small.train);
  const events: TrainProgress[] = [];
  const r = await trainBbt(objective, small, p0, {
    steps: 4,
    seed: 1,
    embeddingStd: tableStats(sessions.table.data as Float32Array).std,
    evalEvery: 2,
    batchSize: 4,
    onProgress: (e) => events.push(e),
  });
  assert.equal(r.stepsRun, 4);
  assert.equal(events.length, 4);
  const bestSeen = Math.min(...events.map((e) => e.loss));
  assert.ok(bestSeen < before.loss, `BBT loss ${before.loss} → best ${bestSeen}`);
  assert.ok(Number.isFinite(r.devAcc));
});

test('BBT: cancel + resume from its checkpoint ends exactly like an uninterrupted search', { skip }, async () => {
  const small = { train: data.train.slice(0, 2), dev: data.dev.slice(0, 2) };
  const opts = { steps: 3, seed: 5, embeddingStd: 0.3, evalEvery: 1, batchSize: 2, checkpointEvery: 1 };
  const full = await trainBbt(objective, small, p0, { ...opts, checkpointDir: join(tmp, 'bbt-full') });
  const controller = new AbortController();
  const dir = join(tmp, 'bbt-interrupted');
  const first = await trainBbt(objective, small, p0, { ...opts, checkpointDir: dir, signal: controller.signal, onProgress: (e) => e.step === 1 && controller.abort() });
  assert.equal(first.cancelled, true);
  assert.equal(first.stepsRun, 1);
  const resumed = await trainBbt(objective, small, p0, { ...opts, checkpointDir: dir, resumeFrom: dir });
  assert.equal(resumed.stepsRun, 3);
  assert.deepEqual(resumed.finalPrompt, full.finalPrompt);
  assert.deepEqual(resumed.prompt, full.prompt);
  assert.equal(resumed.bestStep, full.bestStep);
  const edited = { train: small.train, dev: data.dev.slice(2, 4) };
  await assert.rejects(trainBbt(objective, edited, p0, { ...opts, resumeFrom: dir }), /the task changed since the checkpoint/);
});
