import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { controlTasks } from '../../../src/engine/host/methods/taskControl';
import { runTask } from '../../../src/engine/host/taskRuns';
import { parseTaskControlParams } from '../../../src/protocol/methods/taskControl';
import { createRun } from '../../../src/runs/runWriter';
import { TaskCancelledError, type TaskContext, TaskQueue } from '../../../src/engine/host/taskQueue';
import type { EngineEvent } from '../../../src/protocol/engineApi';

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

async function steps(ctx: TaskContext, n: number) {
  for (let step = 1; step <= n; step++) {
    await ctx.beforeStep();
    ctx.emit({ type: 'progress', step, totalSteps: n, elapsed_s: step });
    await tick();
  }
  return { value: { n }, record: { metrics: { n } } };
}

test('a queued request streams its task events and is cancelled by the RPC cancel', async () => {
  const emitted: EngineEvent[] = [];
  const controller = new AbortController();
  const pending = runTask({ emit: (e) => emitted.push(e), signal: controller.signal }, { model: 'q-model-1', label: 'long', execute: (ctx) => steps(ctx, 500) });
  while (emitted.filter((e) => e.type === 'progress').length < 3) await tick();
  controller.abort();
  await assert.rejects(pending, TaskCancelledError);
  const types = emitted.map((e) => (e.type === 'status' ? e.status : e.type));
  assert.deepEqual(types.slice(0, 3), ['queued', 'running', 'progress']);
  assert.equal(types.at(-1), 'cancelled');
  const done = await runTask({ emit: () => {}, signal: new AbortController().signal }, { model: 'q-model-1', label: 'short', execute: (ctx) => steps(ctx, 2) });
  assert.deepEqual(done, { n: 2 });
});

test('taskControl finds a task by run id to pause, resume and cancel it; bad params are named', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'promptsmith-control-'));
  try {
    const queue = new TaskQueue();
    const run = createRun(ws, { kind: 'soft', name: 'c', model: 'm', device: 'cpu' });
    const log: number[] = [];
    const t = queue.enqueue({
      model: 'm',
      label: 'c',
      run,
      execute: async (ctx) => {
        for (let i = 0; i < 1000; i++) {
          await ctx.beforeStep();
          log.push(i);
          await tick();
        }
        return { value: undefined, record: { metrics: {} } };
      },
    });
    while (log.length < 2) await tick();
    assert.equal(controlTasks({ action: 'pause', runId: run.id }, queue).ok, true);
    assert.equal(controlTasks({ action: 'list' }, queue).tasks[0]!.status, 'paused');
    assert.equal(controlTasks({ action: 'pause', runId: run.id }, queue).ok, false, 'already paused');
    assert.equal(controlTasks({ action: 'resume', runId: run.id }, queue).ok, true);
    assert.equal(controlTasks({ action: 'cancel', taskId: t.id }, queue).ok, true);
    await assert.rejects(t.done, TaskCancelledError);
    assert.equal(controlTasks({ action: 'cancel', runId: 'nope' }, queue).ok, false);
    assert.throws(() => parseTaskControlParams({ action: 'pause' }), /give taskId or runId/);
    assert.throws(() => parseTaskControlParams({ action: 'explode', taskId: 1 }), /taskControl params\.action/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
