// `promptsmith serve` as its own process (the CLI and its engine), as a user runs it: the CLI's
// eval goes through it; killing it mid-evaluation gives a clear error; killing it under a task
// that waits for endpoints pauses the task, which carries on from where it was once resumed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { TaskQueue } from '../../../src/engine/host/taskQueue';
import { OpenAiClient } from '../../../src/engine/remote/openAiClient';
import { RemoteTaskScorer, remoteTaskScorerFor } from '../../../src/engine/remote/remoteTaskScorer';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import type { SlotExample } from '../../../src/engine/tasks/taskScorer';
import { servedUrl } from '../../../src/protocol/methods/serve';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';
import { cliBundle, runCli as runBundledCli } from '../host/engineBundle';
import { tinysentPrompt } from './remoteHelpers';

const skip = storiesHfDir() && tinysentDir() ? false : STORIES_ABSENT;
let cli: string;
let modelDir: string;
before(async () => {
  cli = cliBundle();
  if (!skip) modelDir = await storiesOnnxDir();
});

interface Served {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL to the CLI and the engine that serves (one process group). */
  kill(): void;
}

/** Starts `promptsmith serve` and waits for the address it announces. */
function serve(args: string[] = []): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', modelDir, '--name', 'stories', '--device', 'cpu', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const url = out.split('\n').map(servedUrl).find((u) => u !== undefined);
      if (url) resolve({ url, port: Number(new URL(url).port), child, kill: () => process.kill(-child.pid!, 'SIGKILL') });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before serving: ${err}`)));
  });
}

const runCli = (args: string[]) => runBundledCli(cli, args);

test('promptsmith eval --model openai-compatible/<name> --endpoint through promptsmith serve prints the local accuracy', { skip }, async () => {
  const served = await serve();
  try {
    const file = tinysentPrompt(mkdtempSync(join(tmpdir(), 'serve-cli-')), modelDir);
    const local = await runCli(['eval', file, '--device', 'cpu', '--json']);
    const remote = await runCli(['eval', file, '--model', 'openai-compatible/stories', '--endpoint', served.url, '--max-concurrency', '2', '--json']);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(remote.code, 0, remote.stderr);
    const [l, r] = [JSON.parse(local.stdout), JSON.parse(remote.stdout)];
    assert.equal(r.accuracy, l.accuracy);
    assert.equal(r.calibrated.accuracy, l.calibrated.accuracy);
    assert.equal(r.device, `remote ${served.url}`);
    const bad = await runCli(['eval', file, '--model', 'openai-compatible/stories', '--endpoint', 'ftp://host/v1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--endpoint: expected an http:\/\/ or https:\/\/ URL, got ftp:/);
  } finally {
    served.kill();
  }
});

test('a server killed in the middle of an evaluation fails it with E_ENDPOINT_DOWN naming the endpoint', { skip }, async () => {
  const served = await serve();
  const file = tinysentPrompt(mkdtempSync(join(tmpdir(), 'serve-kill-')), 'openai-compatible/stories', [`promptsmith.endpoint: ${served.url}`]);
  let progress = 0;
  const started = Date.now();
  await assert.rejects(
    evaluatePromptFile({
      promptFile: file,
      emit: (e) => {
        if (e.type === 'progress' && progress++ === 0) served.kill();
      },
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_ENDPOINT_DOWN');
      assert.match(err.message, new RegExp(`^the endpoint ${served.url} is not answering: (ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|the answer broke off)`));
      return true;
    },
  );
  assert.equal(progress, 1);
  // The client's retries (0.5 + 1 + 2 + 4 s, with jitter) are all it waits.
  assert.ok(Date.now() - started < 30_000);
});

const examples: SlotExample[] = [
  { before: 'Sam got a puppy for his birthday.', after: '', label: 0 },
  { before: 'Amy was sick and had to stay in bed.', after: '', label: 1 },
];
const steps = [[{ text: ' They were' }], [{ text: ' He was very' }], [{ text: ' It was a' }], [{ text: ' They felt' }]];

test('a task whose endpoint dies pauses with the endpoint named, and after resume finishes as if nothing happened', { skip }, async () => {
  let served = await serve();
  const { port } = served;
  const verbalizers = [' happy', ' sad'];
  const reference = new RemoteTaskScorer(new OpenAiClient({ endpoint: served.url }), 'stories', verbalizers);
  const uninterrupted: number[][][][] = [];
  for (const prompts of steps) uninterrupted.push(await reference.classScores(prompts, examples));

  const queue = new TaskQueue();
  const statuses: { status: string; message?: string }[] = [];
  let scorer: RemoteTaskScorer | undefined;
  const { id, done } = queue.enqueue({
    model: 'openai-compatible/stories',
    label: 'remote steps',
    async execute(task) {
      const client = new OpenAiClient({ endpoint: served.url, maxRetries: 1, retryBaseMs: 10 });
      scorer = remoteTaskScorerFor({ name: 'stories', spec: 'openai-compatible/stories', endpoint: served.url, maxConcurrency: 4 }, verbalizers, task, { client });
      const results: number[][][][] = [];
      for (const [k, prompts] of steps.entries()) {
        await task.beforeStep();
        if (k === 2) served.kill();
        results.push(await scorer.classScores(prompts, examples, task.signal));
      }
      return { value: results, record: { metrics: {}, summary: 'done' } };
    },
  });
  queue.onEvent((taskId, event) => {
    if (taskId !== id || event.type !== 'status') return;
    statuses.push({ status: event.status, message: event.message });
    if (event.status === 'paused') {
      void serve(['--port', String(port)]).then((again) => {
        served = again;
        queue.resume(id);
      });
    }
  });
  try {
    const results = await done;
    assert.deepEqual(results, uninterrupted);
    assert.equal(scorer!.evaluations, steps.length * examples.length);
    const paused = statuses.find((s) => s.status === 'paused');
    assert.match(paused?.message ?? '', new RegExp(`^the endpoint http://127.0.0.1:${port}/v1 is not answering: .*; resume the task once the server answers again$`));
    assert.deepEqual(
      statuses.map((s) => s.status),
      ['running', 'paused', 'running', 'completed'],
    );
  } finally {
    served.kill();
  }
});
