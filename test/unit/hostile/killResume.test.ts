// kill -9 of `promptsmith tune soft` (the CLI and, with it, its engine process) at any point, then
// `--resume` of the run folder: run.json ends "completed" with result.json and metrics through the
// last step, and the adapter is byte for byte the one an uninterrupted run writes. A kill before
// the first checkpoint says which checkpoint file was never written, and starts again from step 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliBundle } from '../host/engineBundle';
import { storiesHfDir, tinysentDir } from '../helpers/fixtures';

const model = storiesHfDir();
const data = tinysentDir();
const skip = model && data ? false : 'needs ../shared/models/stories260k-hf and ../shared/data/tinysent (absent)';

/** A workspace with a short task: 12 steps, a checkpoint every 4. */
function workspace(): { ws: string; file: string } {
  const ws = mkdtempSync(join(tmpdir(), 'ps-kill-'));
  const rows = (name: string) => readFileSync(join(data!, name), 'utf8').split('\n').slice(0, 8).join('\n');
  writeFileSync(join(ws, 'train.jsonl'), rows('train.jsonl'));
  writeFileSync(join(ws, 'dev.jsonl'), rows('dev.jsonl'));
  const file = join(ws, 's.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${model}`,
      'promptsmith.task:',
      '  train: train.jsonl',
      '  dev: dev.jsonl',
      '  labels: { positive: " happy", negative: " sad" }',
      'promptsmith.softPrompt: { tokens: 2, init: TEXT, initText: "They felt", steps: 12, optimizer: adam, lr: 0.05, evalEvery: 4, batchSize: 4 }',
      '---',
      '{{text}} They were',
      '',
    ].join('\n'),
  );
  return { ws, file };
}

/** Runs the CLI until its progress reaches `killAtStep`, then SIGKILLs it and its engine; returns the run folder. */
function tuneAndKill(ws: string, file: string, killAtStep: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliBundle(), 'tune', 'soft', file, '--json', '--device', 'cpu'], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let runDir: string | undefined;
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      buffer += d;
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const event = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (event.type === 'run') runDir = event.dir;
        if (event.type === 'progress' && event.step >= killAtStep && runDir) {
          // kill -9 of the engine (run.json names its process) and of the CLI, at once.
          const enginePid = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).pid as number;
          if (enginePid !== child.pid) process.kill(enginePid, 'SIGKILL');
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && runDir) resolvePromise(runDir);
      else reject(new Error(`expected a kill at step ${killAtStep}, got exit ${code} ${signal}: ${stderr}`));
    });
  });
}

function cli(ws: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

function eventsOf(stdout: string): { type: string; [key: string]: unknown }[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

test('kill -9 mid-run and before the first checkpoint, then --resume: completed record, same adapter bytes', { skip, timeout: 600_000 }, async () => {
  const reference = workspace();
  const straight = cli(reference.ws, ['tune', 'soft', reference.file, '--json', '--device', 'cpu', '--out', join(reference.ws, 'straight')]);
  // The three runs go side by side: the uninterrupted one, a kill after the checkpoint at step 4, a kill before it.
  const [done, ...killed] = await Promise.all([straight, ...[6, 1].map((killAt) => killThenResume(killAt))]);
  assert.equal(done.status, 0, done.stderr);
  const expected = readFileSync(join(reference.ws, 'straight', 'adapter_model.safetensors'));
  for (const { killAt, runDir } of killed) {
    assert.deepEqual(readFileSync(join(runDir, 'adapter', 'adapter_model.safetensors')), expected, `adapter after a kill at step ${killAt} differs from the uninterrupted run`);
  }
});

/** Kills a run at `killAt`, resumes it, and checks its record and events; returns its folder. */
async function killThenResume(killAt: number): Promise<{ killAt: number; runDir: string }> {
  const { ws, file } = workspace();
  const runDir = await tuneAndKill(ws, file, killAt);
  const killed = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  assert.equal(killed.status, 'running', 'the killed run could not record its end');
  const checkpoint = join(runDir, 'adapter', 'checkpoint', 'checkpoint.json');
  assert.equal(existsSync(checkpoint), killed.lastCheckpoint !== undefined, `checkpoint after a kill at step ${killAt}`);
  if (killAt >= 4) assert.ok(killed.lastCheckpoint.step >= 4);
  else assert.equal(killed.lastCheckpoint, undefined, 'the engine was killed before its first checkpoint');

  const resumed = await cli(ws, ['tune', 'soft', file, '--resume', runDir, '--json', '--device', 'cpu']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const events = eventsOf(resumed.stdout);
  const messages = events.filter((e) => e.type === 'message').map((e) => e.message as string);
  if (killed.lastCheckpoint === undefined) assert.deepEqual(messages, [`${checkpoint} was never written (the run stopped before its first checkpoint): starting again from step 0.`]);
  else assert.deepEqual(messages, []);
  // The steps after the last checkpoint run again (the engine may have finished a step or two after the event that triggered the kill).
  const from = killed.lastCheckpoint?.step ?? 0;
  const steps = events.filter((e) => e.type === 'progress').map((e) => e.step as number);
  assert.deepEqual(steps, Array.from({ length: 12 - from }, (_, i) => from + i + 1));

  const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  assert.equal(meta.status, 'completed');
  assert.equal(meta.attempts, 2);
  assert.ok(existsSync(join(runDir, 'result.json')));
  const metricSteps = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'progress')
    .map((e) => e.step);
  assert.equal(Math.max(...metricSteps), 12);
  return { killAt, runDir };
}
