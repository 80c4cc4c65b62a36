// Fine tuning through the engine's `fineTune` method and the CLI: a cancelled run resumed by its
// run folder completes the same run record (status, metrics, result.json) with the weights of an
// uninterrupted run; `tune finetune --json` prints flat progress lines and, last, the result.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EngineEvent } from '../../../src/protocol/engineApi';
import { callMethod } from '../helpers/engineMethods';
import { STORIES_ABSENT, storiesHfDir, tinysentDir } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';
import { tinysentPromptFile } from './tinysentTask';

const skip = storiesHfDir() && tinysentDir() ? false : STORIES_ABSENT;

test('fineTune: cancel, then resume by run folder completes the same run with the weights of an uninterrupted run', { skip }, async () => {
  const { dir, file } = tinysentPromptFile({ method: 'lora', rank: 2, steps: 6, evalEvery: 2, batchSize: 4 });
  try {
    const controller = new AbortController();
    const events: EngineEvent[] = [];
    await assert.rejects(
      callMethod('fineTune', { promptFile: file, workspaceDir: dir, device: 'cpu' }, {
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'progress' && e.step === 3) controller.abort();
        },
      }),
      /cancelled/,
    );
    const run = events.find((e) => e.type === 'run');
    assert.ok(run);
    assert.equal(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')).status, 'cancelled');

    const resumed = await callMethod('fineTune', { promptFile: file, resume: run.dir, device: 'cpu' });
    assert.equal(resumed.run_dir, run.dir, 'the same run record continues');
    assert.equal(resumed.steps_run, 6);
    const record = JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'));
    assert.equal(record.status, 'completed');
    assert.equal(record.attempts, 2);
    const result = JSON.parse(readFileSync(join(run.dir, 'result.json'), 'utf8'));
    assert.equal(result.metrics.dev_acc, resumed.dev_acc);
    assert.equal(result.metrics.trainable_params, resumed.trainable_params);

    const straight = await callMethod('fineTune', { promptFile: file, workspaceDir: dir, out: join(dir, 'straight'), device: 'cpu' });
    const weights = (folder: string) => readFileSync(join(folder, 'adapter_model.safetensors'));
    assert.ok(weights(resumed.out).equals(weights(straight.out)), 'resumed and uninterrupted adapters are the same bytes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: tune finetune --lora R --json prints progress lines and a flat result with every split and the base model', { skip }, () => {
  const { dir, file } = tinysentPromptFile({ steps: 2, evalEvery: 2, batchSize: 4 }, { test: true });
  try {
    const r = spawnSync(process.execPath, [cliBundle(), 'tune', 'finetune', file, '--lora', '2', '--json', '--device', 'cpu'], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.filter((l) => l.type === 'progress').map((l) => l.step),
      [1, 2],
    );
    const result = lines.at(-1);
    assert.equal(result.type, 'result');
    assert.equal(result.method, 'lora');
    for (const split of ['train_acc', 'dev_acc', 'test_acc']) assert.ok(result[split] >= 0 && result[split] <= 1, `${split}: ${result[split]}`);
    assert.ok(result.manual.test_acc >= 0, 'the base model on test, for comparison');
    assert.ok(result.trainable_params > 0 && result.trainable_params < result.total_params);
    const bad = spawnSync(process.execPath, [cliBundle(), 'tune', 'finetune', file, '--lora', '0'], { cwd: dir, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--lora: must be at least 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
