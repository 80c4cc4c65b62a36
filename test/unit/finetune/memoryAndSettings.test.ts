// The memory estimate (its formula on a known shape), the refusal that names it, the override,
// and the promptsmith.finetune settings: precedence and errors that name the file and the key.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fineTune } from '../../../src/engine/tuning/finetune/fineTune';
import { checkTrainingMemory, estimateTrainingMemory, MemoryRefusal, RUNTIME_BYTES } from '../../../src/engine/tuning/finetune/memoryEstimate';
import { DEFAULT_LR, FINETUNE_DEFAULTS, mergeFineTuneSettings } from '../../../src/engine/tuning/finetune/settings';
import { STORIES_ABSENT, storiesHfDir, tinysentDir } from '../helpers/fixtures';
import { tinysentPromptFile } from './tinysentTask';

const SMOL = { parameters: 134_515_008, layers: 30, hidden: 576, intermediate: 1536, heads: 9, vocab: 49_152 };

test('the memory estimate adds weights, gradients, AdamW moments, the best copy, activations and the runtime', () => {
  const e = estimateTrainingMemory({ shape: SMOL, trainable: SMOL.parameters, optimizerSlots: 2, rows: 8, seqLen: 64 });
  const P = SMOL.parameters;
  assert.equal(e.weights, 8 * P, 'the vector fed to the sessions and the export it was copied from');
  assert.equal(e.gradients, 8 * P);
  assert.equal(e.optimizer, 8 * P);
  assert.equal(e.best, 4 * P);
  assert.equal(e.activations, 4 * 8 * 64 * (30 * (18 * 576 + 5 * 1536 + 3 * 9 * 64) + 3 * 49_152));
  assert.equal(e.runtime, RUNTIME_BYTES);
  assert.equal(e.total, e.weights + e.gradients + e.optimizer + e.best + e.activations + e.runtime);
  // LoRA on the same model: the weights stay, the per-parameter state shrinks to the adapters.
  const lora = estimateTrainingMemory({ shape: SMOL, trainable: 1_000_000, optimizerSlots: 2, rows: 8, seqLen: 64 });
  assert.equal(lora.weights, e.weights);
  assert.ok(lora.total < e.total - 1.2 * e.weights);
});

test('a run that will not fit is refused with its estimate, unless the check is overridden', () => {
  const e = estimateTrainingMemory({ shape: SMOL, trainable: SMOL.parameters, optimizerSlots: 2, rows: 8, seqLen: 64 });
  assert.throws(
    () => checkTrainingMemory(e, 'full fine tuning of SmolLM2-135M', { available: 2 ** 30, total: 4 * 2 ** 30 }),
    (err: Error) => err instanceof MemoryRefusal && /full fine tuning of SmolLM2-135M needs about \d+ MiB \(weights 1026 MiB, gradients 1026 MiB, optimizer 1026 MiB/.test(err.message) && err.message.includes('1.0 GiB of 4.0 GiB'),
  );
  checkTrainingMemory(e, 'full fine tuning', { available: 2 ** 30, total: 2 ** 32, force: true });
  checkTrainingMemory(e, 'full fine tuning', { available: e.total, total: 2 ** 40 });
});

test('fineTune refuses before loading the model when the estimate exceeds the memory available, and memoryCheck: false overrides', async (t) => {
  if (!storiesHfDir() || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const { dir, file } = tinysentPromptFile({ steps: 1, evalEvery: 1 });
  try {
    const events: string[] = [];
    await assert.rejects(fineTune({ promptFile: file, out: join(dir, 'out'), device: 'cpu', memoryAvailable: 50 * 2 ** 20, emit: (e) => events.push(e.type === 'message' ? e.message : e.type) }), MemoryRefusal);
    assert.equal(events.length, 1, 'nothing was opened');
    assert.match(events[0]!, /^memory estimate \d+ MiB/);
    const r = await fineTune({ promptFile: file, out: join(dir, 'out'), device: 'cpu', memoryAvailable: 50 * 2 ** 20, overrides: { memoryCheck: false } });
    assert.equal(r.steps_run, 1);
    assert.ok(r.memory_estimate_mib > 50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settings come from overrides, then the file, then the defaults; bad values name the file and key', () => {
  const s = mergeFineTuneSettings({ method: 'lora', steps: 50, lr: 0.01 }, { steps: 7 }, 'task.prompt');
  assert.equal(s.method, 'lora');
  assert.equal(s.steps, 7);
  assert.equal(s.lr, 0.01);
  assert.equal(s.rank, FINETUNE_DEFAULTS.rank);
  assert.throws(() => mergeFineTuneSettings({ rank: 0 }, undefined, 'task.prompt'), /task\.prompt: promptsmith\.finetune\.rank: must be at least 1, got 0/);
  assert.throws(() => mergeFineTuneSettings({ schedule: 'step' }, undefined, 'task.prompt'), /promptsmith\.finetune\.schedule: expected one of linear, cosine, constant/);
  assert.throws(() => mergeFineTuneSettings({ learningRate: 1 }, undefined, 'task.prompt'), /promptsmith\.finetune\.learningRate: unknown setting \(known: method, rank/);
  assert.throws(() => mergeFineTuneSettings(undefined, { batchSize: 2.5 }, 'task.prompt'), /fine-tuning overrides\.batchSize: expected an integer/);
  assert.throws(() => mergeFineTuneSettings('full', undefined, 'task.prompt'), /task\.prompt: promptsmith\.finetune must be a map/);
});

test('the default learning rate follows the method unless one is given', () => {
  assert.equal(mergeFineTuneSettings({}, undefined, 'task.prompt').lr, DEFAULT_LR.full);
  assert.equal(mergeFineTuneSettings({ method: 'lora' }, undefined, 'task.prompt').lr, DEFAULT_LR.lora);
  assert.equal(mergeFineTuneSettings({ method: 'lora', lr: 0.5 }, undefined, 'task.prompt').lr, 0.5);
  assert.equal(mergeFineTuneSettings({ lr: 0.5 }, { method: 'lora' }, 'task.prompt').lr, 0.5);
});
