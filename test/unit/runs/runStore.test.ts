import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { RUN_SCHEMA_VERSION } from '../../../src/runs/runMeta';
import { createRun, openRun } from '../../../src/runs/runWriter';
import { listRuns, readMetrics, readRun } from '../../../src/runs/runReader';

// A worker thread of this same file appends events to one run, to test concurrent writers.
if (!isMainThread) {
  const { dir, worker, count } = workerData as { dir: string; worker: number; count: number };
  const run = openRun(dir);
  for (let i = 0; i < count; i++) run.appendEvent({ type: 'progress', step: worker * 100000 + i, totalSteps: count, loss: i / 7, elapsed_s: i });
  run.close();
} else {
  defineTests();
}

function tempWorkspace(): string {
  return mkdtempSync(join(tmpdir(), 'promptsmith-runs-'));
}

function defineTests(): void {
  test('a run records meta, events, status, result and checkpoints in real files', () => {
    const ws = tempWorkspace();
    try {
      writeFileSync(join(ws, 'a.prompt'), 'hello {{text}}');
      const run = createRun(ws, { kind: 'soft', name: 'my prompt!', promptFile: 'a.prompt', model: 'stories', device: 'cpu', seed: 7, settings: { lr: 0.3 } });
      assert.match(run.id, /^\d{8}-\d{6}-soft-my-prompt$/);
      run.setStatus('running');
      for (let step = 1; step <= 5; step++) run.appendEvent({ type: 'progress', step, totalSteps: 5, loss: 1 / step, elapsed_s: step, train_acc: step / 10 });
      run.appendEvent({ type: 'bestPrompts', step: 5, rows: [{ text: ' great movie', tokens: [' great', ' movie'], ids: [3, 4], dev_acc: 0.8 }] });
      const ckpt = run.checkpointDir(5);
      writeFileSync(join(ckpt, 'state.json'), '{"step":5}');
      run.commitCheckpoint(5);
      run.writeResult({ metrics: { dev_acc: 0.8 }, summary: 'ok' });
      run.setStatus('completed');

      const meta = JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'));
      assert.equal(meta.schemaVersion, RUN_SCHEMA_VERSION);
      assert.equal(meta.promptFile, 'a.prompt');
      assert.match(meta.promptSha256, /^[0-9a-f]{64}$/);
      assert.equal(meta.status, 'completed');
      assert.ok(meta.timings.startedAt && meta.timings.endedAt);
      assert.deepEqual(meta.lastCheckpoint, { step: 5, path: 'checkpoints/step-000005' });
      assert.ok(existsSync(join(run.dir, 'checkpoints/step-000005/state.json')));
      assert.deepEqual(readdirSync(join(run.dir, 'checkpoints')), ['step-000005']);
      // No temp files left behind by the atomic writes.
      assert.deepEqual(readdirSync(run.dir).sort(), ['checkpoints', 'metrics.jsonl', 'result.json', 'run.json']);

      const detail = readRun(run.dir);
      assert.equal(detail.problem, undefined);
      assert.equal(detail.events.filter((e) => e.type === 'progress').length, 5);
      assert.equal(detail.bestPrompts[0]!.text, ' great movie');
      assert.equal(detail.result?.metrics.dev_acc, 0.8);
      assert.equal(detail.resumable, false);
      assert.deepEqual(detail.warnings, []);
      const listed = listRuns(ws);
      assert.equal(listed.length, 1);
      assert.equal(listed[0]!.meta?.name, 'my prompt!');
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('runs created in the same second with the same name get distinct folders', () => {
    const ws = tempWorkspace();
    try {
      const ids = Array.from({ length: 5 }, () => createRun(ws, { kind: 'eval', name: 'same', model: 'm', device: 'cpu' }).id);
      assert.equal(new Set(ids).size, 5);
      assert.equal(listRuns(ws).length, 5);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('the prompt hash is the sha256 of the file content', async () => {
    const ws = tempWorkspace();
    try {
      writeFileSync(join(ws, 'b.prompt'), 'abc');
      const run = createRun(ws, { kind: 'eval', name: 'b', promptFile: join(ws, 'b.prompt'), model: 'm', device: 'cpu' });
      const { createHash } = await import('node:crypto');
      assert.equal(run.meta().promptSha256, createHash('sha256').update('abc').digest('hex'));
      assert.equal(run.meta().promptFile, 'b.prompt');
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('a truncated last metrics line is tolerated; a bad middle line is reported by line number', () => {
    const ws = tempWorkspace();
    try {
      const run = createRun(ws, { kind: 'rl', name: 't', model: 'm', device: 'cpu' });
      run.setStatus('running');
      run.appendEvent({ type: 'progress', step: 1, totalSteps: 3, reward: 0.5, elapsed_s: 1 });
      run.close();
      const metrics = join(run.dir, 'metrics.jsonl');
      appendFileSync(metrics, 'this is not json\n');
      appendFileSync(metrics, '{"type":"progress","step":2,"totalSteps":3,"reward":0.7,"elapsed_s":2}\n');
      appendFileSync(metrics, '{"type":"progress","step":3,"tot');
      const read = readMetrics(metrics);
      assert.deepEqual(
        read.events.filter((e) => e.type === 'progress').map((e) => e.step),
        [1, 2],
      );
      assert.equal(read.warnings.length, 2);
      assert.match(read.warnings[0]!, /metrics\.jsonl line 3: not valid JSON/);
      assert.match(read.warnings[1]!, /metrics\.jsonl line 5: truncated last line/);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('damaged or foreign-version run.json gives a message naming the file, not an exception', () => {
    const ws = tempWorkspace();
    try {
      const a = createRun(ws, { kind: 'eval', name: 'damaged', model: 'm', device: 'cpu' });
      writeFileSync(join(a.dir, 'run.json'), '{"schemaVersion": 1, "id": ');
      const b = createRun(ws, { kind: 'eval', name: 'future', model: 'm', device: 'cpu' });
      const meta = JSON.parse(readFileSync(join(b.dir, 'run.json'), 'utf8'));
      writeFileSync(join(b.dir, 'run.json'), JSON.stringify({ ...meta, schemaVersion: RUN_SCHEMA_VERSION + 1 }));
      const c = createRun(ws, { kind: 'eval', name: 'wrongkind', model: 'm', device: 'cpu' });
      writeFileSync(join(c.dir, 'run.json'), JSON.stringify({ ...meta, kind: 'magic' }));
      const byName = new Map(listRuns(ws).map((r) => [r.id.split('-').pop(), r]));
      assert.match(byName.get('damaged')!.problem!, /run\.json: not valid JSON/);
      assert.match(byName.get('future')!.problem!, /run\.json: schemaVersion 2 is newer than this Promptsmith supports \(1\)/);
      assert.match(byName.get('wrongkind')!.problem!, /run\.json\.kind: expected one of eval, soft, rl, random, finetune, compare, manual/);
      assert.throws(() => openRun(a.dir), /run\.json/);
      const detail = readRun(b.dir);
      assert.ok(detail.problem);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('invalid events are refused before they reach the file', () => {
    const ws = tempWorkspace();
    try {
      const run = createRun(ws, { kind: 'soft', name: 'x', model: 'm', device: 'cpu' });
      // @ts-expect-error deliberately malformed
      assert.throws(() => run.appendEvent({ type: 'progress', step: 'one', totalSteps: 1, elapsed_s: 0 }), /step: expected a finite number/);
      assert.throws(() => run.appendEvent({ type: 'progress', step: 1, totalSteps: 1, elapsed_s: 0, loss: Number.NaN }), /loss/);
      assert.equal(existsSync(join(run.dir, 'metrics.jsonl')), false);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('concurrent appends from several threads keep every line whole', async () => {
    const ws = tempWorkspace();
    try {
      const run = createRun(ws, { kind: 'soft', name: 'concurrent', model: 'm', device: 'cpu' });
      const workers = 4;
      const count = 2000;
      await Promise.all(
        Array.from(
          { length: workers },
          (_, worker) =>
            new Promise<void>((resolve, reject) => {
              const w = new Worker(__filename, { workerData: { dir: run.dir, worker, count } });
              w.on('error', reject);
              w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exit ${code}`))));
            }),
        ),
      );
      const read = readMetrics(join(run.dir, 'metrics.jsonl'));
      assert.deepEqual(read.warnings, []);
      assert.equal(read.events.length, workers * count);
      for (let w = 0; w < workers; w++) {
        const steps = read.events.flatMap((e) => (e.type === 'progress' && Math.floor(e.step / 100000) === w ? [e.step % 100000] : []));
        assert.deepEqual(steps, Array.from({ length: count }, (_, i) => i), `worker ${w} lines in order and complete`);
      }
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  test('a run left "running" by a dead process is interrupted and resumable; resume reopens it', () => {
    const ws = tempWorkspace();
    try {
      const run = createRun(ws, { kind: 'soft', name: 'crash', model: 'm', device: 'cpu' });
      run.setStatus('running');
      run.checkpointDir(10);
      run.commitCheckpoint(10);
      run.close();
      const file = join(run.dir, 'run.json');
      const meta = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...meta, pid: 2 ** 22 + 12345 })); // no such process
      const [summary] = listRuns(ws);
      assert.equal(summary!.interrupted, true);
      assert.equal(summary!.resumable, true);
      const again = openRun(run.dir);
      assert.equal(again.meta().lastCheckpoint?.step, 10);
      again.setStatus('running', 'resumed from step 10');
      assert.equal(readRun(run.dir).interrupted, false);
      assert.equal(readRun(run.dir).meta?.attempts, 2);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
}
