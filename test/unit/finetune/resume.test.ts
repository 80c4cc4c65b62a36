// Checkpoints: a run cancelled part way and resumed from its output folder ends bit for bit where
// the uninterrupted run ends (weights, AdamW moments, RNG, data order, best on dev); the file is
// replaced atomically; a checkpoint made with other settings or a damaged one is refused by name.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FINETUNE_CHECKPOINT_FILE, readFineTuneCheckpoint } from '../../../src/engine/tuning/finetune/checkpoint';
import { type FineTuneOutcome, fineTune } from '../../../src/engine/tuning/finetune/fineTune';
import { STORIES_ABSENT, storiesHfDir, tinysentDir } from '../helpers/fixtures';
import { tinysentPromptFile } from './tinysentTask';

const SETTINGS = { method: 'full', steps: 12, evalEvery: 4, batchSize: 4, lr: 0.002, warmup: 3, schedule: 'cosine', patience: 0 };

function comparable(r: FineTuneOutcome) {
  const { out: _out, artifact: _artifact, ...rest } = r;
  return rest;
}

test('a fine-tuning run cancelled at step 6 and resumed ends bit for bit like the uninterrupted run', async (t) => {
  if (!storiesHfDir() || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const { dir, file } = tinysentPromptFile(SETTINGS);
  try {
    const straight = await fineTune({ promptFile: file, out: join(dir, 'straight'), device: 'cpu', checkpointEvery: 4 });

    const interrupted = join(dir, 'interrupted');
    const controller = new AbortController();
    let steps = 0;
    const checkpoints: number[] = [];
    const first = await fineTune({
      promptFile: file,
      out: interrupted,
      device: 'cpu',
      checkpointEvery: 4,
      signal: controller.signal,
      beforeStep: async () => {
        if (++steps === 7) controller.abort();
      },
      onCheckpoint: (step) => checkpoints.push(step),
    });
    assert.equal(first.cancelled, true);
    assert.equal(first.steps_run, 6);
    assert.equal(first.artifact, null);
    assert.deepEqual(checkpoints, [4, 6], 'every 4 steps, and on cancel');
    assert.equal(readFineTuneCheckpoint(interrupted, 260_032).step, 6);

    const resumed = await fineTune({ promptFile: file, out: interrupted, resume: true, device: 'cpu', checkpointEvery: 4 });
    assert.equal(resumed.steps_run, 12);
    assert.deepEqual(comparable(resumed), comparable(straight));
    assert.ok(readFileSync(join(interrupted, 'model.safetensors')).equals(readFileSync(join(dir, 'straight', 'model.safetensors'))), 'same weights, bit for bit');
    // The checkpoint is one file replaced by rename: no temporary file is left behind.
    assert.deepEqual(readdirSync(join(interrupted, 'checkpoint')), [FINETUNE_CHECKPOINT_FILE]);

    const refused: string[] = [];
    await assert.rejects(
      fineTune({ promptFile: file, out: interrupted, resume: true, device: 'cpu', overrides: { lr: 0.01 }, emit: (e) => refused.push(e.type) }),
      (err: Error) => err.message.includes('checkpoint was made with lr = 0.002, this run has 0.01') && err.message.includes(interrupted),
    );
    assert.ok(!refused.includes('device'), 'refused before any session was opened');
    // The template edited while the run was stopped: the saved weights learnt another task.
    writeFileSync(file, readFileSync(file, 'utf8').replace('They were', 'They all were'));
    await assert.rejects(fineTune({ promptFile: file, out: interrupted, resume: true, device: 'cpu' }), /the task changed since the checkpoint/);
    // A run stopped before its first checkpoint starts again from step 0, and says so.
    const messages: string[] = [];
    const fresh = await fineTune({ promptFile: file, out: join(dir, 'nothing-here'), resume: true, device: 'cpu', overrides: { steps: 1 }, emit: (e) => e.type === 'message' && messages.push(e.message) });
    assert.equal(fresh.steps_run, 1);
    assert.ok(messages.some((m) => m.includes(join(dir, 'nothing-here', 'checkpoint')) && m.includes('starting again from step 0')), messages.join('\n'));
    const damaged = join(interrupted, 'checkpoint', FINETUNE_CHECKPOINT_FILE);
    writeFileSync(damaged, readFileSync(damaged).subarray(0, 100));
    assert.throws(() => readFineTuneCheckpoint(interrupted, 260_032), (err: Error) => err.message.includes(damaged));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
