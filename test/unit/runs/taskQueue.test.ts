import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRun } from '../../../src/runs/runWriter';
import { readRun } from '../../../src/runs/runReader';
import { TaskCancelledError, type TaskContext, TaskQueue } from '../../../src/engine/host/taskQueue';
import type { TaskStatus } from '../../../src/protocol/taskEvents';

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

/** A small real task: `steps` steps, each awaiting the queue's pause point and emitting progress. */
function stepper(steps: number, log: string[], name: string) {
  return async (ctx: TaskContext) => {
    for (let step = 1; step <= steps; step++) {
      await ctx.beforeStep();
      log.push(`${name}${step}`);
      ctx.emit({ type: 'progress', step, totalSteps: steps, loss: 1 / step, elapsed_s: step * 0.01 });
      await tick();
    }
    return { value: { steps }, record: { metrics: { steps } } };
  };
}

test('tasks on one model run one at a time in order; another model runs alongside', async () => {
  const queue = new TaskQueue();
  const log: string[] = [];
  const a = queue.enqueue({ model: 'm1', label: 'a', execute: stepper(3, log, 'a') });
  const b = queue.enqueue({ model: 'm1', label: 'b', execute: stepper(3, log, 'b') });
  const c = queue.enqueue({ model: 'm2', label: 'c', execute: stepper(3, log, 'c') });
  await Promise.all([a.done, b.done, c.done]);
  const m1 = log.filter((s) => !s.startsWith('c'));
  assert.deepEqual(m1, ['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
  // c interleaves with a: it did not wait for m1's tasks.
  assert.ok(log.indexOf('c1') < log.indexOf('a3'), log.join(' '));
});

test('cancel stops a running task at its next checkpoint and a queued one before it starts; records say so', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'promptsmith-queue-'));
  try {
    const queue = new TaskQueue();
    const statuses: Array<[number, TaskStatus]> = [];
    queue.onEvent((id, event) => {
      if (event.type === 'status') statuses.push([id, event.status]);
    });
    const log: string[] = [];
    const run = createRun(ws, { kind: 'soft', name: 'long', model: 'm', device: 'cpu' });
    const long = queue.enqueue({ model: 'm', label: 'long', run, execute: stepper(1000, log, 'x') });
    const queued = queue.enqueue({ model: 'm', label: 'next', execute: stepper(3, log, 'y') });
    while (log.length < 3) await tick();
    assert.equal(queue.cancel(queued.id), true);
    assert.equal(queue.cancel(long.id, 'stopped by test'), true);
    await assert.rejects(long.done, TaskCancelledError);
    await assert.rejects(queued.done, TaskCancelledError);
    assert.ok(log.length < 10, `stopped promptly after ${log.length} steps`);
    assert.ok(!log.some((s) => s.startsWith('y')));
    assert.deepEqual(
      statuses.filter(([id]) => id === queued.id).map(([, s]) => s),
      ['queued', 'cancelled'],
    );
    const detail = readRun(run.dir);
    assert.equal(detail.meta?.status, 'cancelled');
    assert.equal(detail.meta?.message, 'stopped by test');
    assert.equal(detail.resumable, true);
    assert.ok(detail.events.filter((e) => e.type === 'progress').length >= 3);
    assert.deepEqual(queue.list(), []);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('pause holds a task at its checkpoint until resume', async () => {
  const queue = new TaskQueue();
  const log: string[] = [];
  const t = queue.enqueue({ model: 'm', label: 'p', execute: stepper(6, log, 'p') });
  while (log.length < 2) await tick();
  assert.equal(queue.pause(t.id), true);
  assert.equal(queue.list()[0]!.status, 'paused');
  const atPause = log.length;
  for (let i = 0; i < 10; i++) await tick();
  assert.ok(log.length <= atPause + 1, 'at most the step in flight finishes while paused');
  assert.equal(queue.resume(t.id), true);
  const result = await t.done;
  assert.deepEqual(result, { steps: 6 });
  assert.equal(log.length, 6);
});

test('a failing task is marked failed with its error, and the next task still runs', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'promptsmith-queue-'));
  try {
    const queue = new TaskQueue();
    const run = createRun(ws, { kind: 'eval', name: 'boom', model: 'm', device: 'cpu' });
    const bad = queue.enqueue({
      model: 'm',
      label: 'bad',
      run,
      execute: async () => {
        throw new Error('dataset data/train.jsonl line 4: missing "label"');
      },
    });
    const good = queue.enqueue({ model: 'm', label: 'good', execute: stepper(1, [], 'g') });
    await assert.rejects(bad.done, /line 4/);
    assert.deepEqual(await good.done, { steps: 1 });
    const meta = readRun(run.dir).meta!;
    assert.equal(meta.status, 'failed');
    assert.match(meta.message!, /line 4: missing "label"/);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('a completed task writes result.json and its result event', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'promptsmith-queue-'));
  try {
    const queue = new TaskQueue();
    const seen: string[] = [];
    queue.onEvent((_id, event) => seen.push(event.type === 'status' ? event.status : event.type));
    const run = createRun(ws, { kind: 'eval', name: 'ok', model: 'm', device: 'cpu' });
    await queue.enqueue({ model: 'm', label: 'ok', run, execute: stepper(2, [], 'o') }).done;
    assert.deepEqual(seen, ['queued', 'running', 'progress', 'progress', 'result', 'completed']);
    const detail = readRun(run.dir);
    assert.equal(detail.meta?.status, 'completed');
    assert.deepEqual(detail.result?.metrics, { steps: 2 });
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
