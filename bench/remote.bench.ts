// Remote task models: the same work through `promptsmith serve` (its own process: dist/cli.js and
// its engine, over loopback HTTP) and in this process.
//  1. evaluation of the sentiment example's dev set (64 rows + calibration), rows/s;
//  2. RL rewards: class scores of 16 prompts × 32 examples × 2 verbalizers (one RLPrompt step's
//     worth), reward evaluations/s — the local scorer with per-example KV prefixes vs the remote
//     scorer (echo, full sequences), with the client's requests/s.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAiClient } from '../src/engine/remote/openAiClient';
import { RemoteTaskScorer } from '../src/engine/remote/remoteTaskScorer';
import { LanguageModel } from '../src/engine/runtime/languageModel';
import { evaluatePromptFile } from '../src/engine/tasks/evaluatePromptFile';
import { LocalTaskScorer } from '../src/engine/tasks/localTaskScorer';
import type { SlotExample, TaskScorer } from '../src/engine/tasks/taskScorer';
import { servedUrl } from '../src/protocol/methods/serve';
import { median, repoDir, storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';

const ROUNDS = 5;
const PROMPTS = [' They were', ' He was very', ' It was a', ' They felt', ' She was', ' The dog was', ' Mom said', ' They all felt', ' It made them', ' He felt so', ' The end was', ' Everyone was', ' She felt very', ' It was so', ' They got', ' Then they were'].map((text) => ({ text }));

function serve(model: string, parallel: number): Promise<{ url: string; child: ChildProcess }> {
  const cli = join(repoDir(), 'dist', 'cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', model, '--name', 'stories', '--device', 'cpu', '--parallel', String(parallel)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const url = out.split('\n').map(servedUrl).find((u) => u !== undefined);
      if (url) resolve({ url, child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code})`)));
  });
}

function promptFile(dir: string, model: string, endpoint?: string): string {
  const data = join(repoDir(), 'examples', 'sentiment', 'data', 'dev.jsonl');
  const file = join(dir, `${endpoint ? 'remote' : 'local'}.prompt`);
  const lines = ['---', `model: ${model}`, ...(endpoint ? [`promptsmith.endpoint: ${endpoint}`] : []), 'input:', '  schema: { text: string }', 'promptsmith.task:', `  dev: ${data}`, '  labels: { positive: " happy", negative: " sad" }', '---', '{{text}} They were', ''];
  writeFileSync(file, lines.join('\n'));
  return file;
}

async function rowsPerSecond(file: string): Promise<{ rate: number; accuracy: number }> {
  const t = performance.now();
  const e = await evaluatePromptFile({ promptFile: file, device: 'cpu' });
  return { rate: e.n / ((performance.now() - t) / 1000), accuracy: e.accuracy };
}

async function evaluationsPerSecond(scorer: TaskScorer, examples: SlotExample[]): Promise<number> {
  const t = performance.now();
  await scorer.classScores(PROMPTS, examples);
  return (PROMPTS.length * examples.length) / ((performance.now() - t) / 1000);
}

export default async function (): Promise<BenchRow[]> {
  const model = await storiesOnnx();
  const lm = await LanguageModel.load(model, { device: 'cpu' });
  const dev = readFileSync(join(repoDir(), 'examples', 'sentiment', 'data', 'dev.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; label: string });
  const examples: SlotExample[] = dev.slice(0, 32).map((r) => ({ before: r.text, after: '', label: r.label === 'positive' ? 0 : 1 }));
  const dir = mkdtempSync(join(tmpdir(), 'remote-bench-'));
  const rows: BenchRow[] = [];
  const load = () => `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  for (const parallel of [1, 2]) {
    const served = await serve(model, parallel);
    try {
      const localFile = promptFile(dir, model);
      const remoteFile = promptFile(dir, 'openai-compatible/stories', served.url);
      const local: number[] = [];
      const remote: number[] = [];
      let accuracies = '';
      await rowsPerSecond(localFile);
      await rowsPerSecond(remoteFile);
      for (let r = 0; r < ROUNDS; r++) {
        const l = await rowsPerSecond(localFile);
        const m = await rowsPerSecond(remoteFile);
        local.push(l.rate);
        remote.push(m.rate);
        accuracies = `dev acc local ${l.accuracy.toFixed(3)}, remote ${m.accuracy.toFixed(3)}`;
      }
      const note = `stories260k, 64 dev rows + calibration, serve --parallel ${parallel}, client concurrency 4, median of ${ROUNDS}; ${accuracies}; ${load()}`;
      if (parallel === 1) rows.push({ bench: 'remote', metric: 'evaluation in process', value: median(local), unit: 'rows/s', note: `stories260k, 64 dev rows + calibration, median of ${ROUNDS}` });
      rows.push({ bench: 'remote', metric: `evaluation through serve (--parallel ${parallel})`, value: median(remote), unit: 'rows/s', note });
      rows.push({ bench: 'remote', metric: `evaluation serve ÷ in process (--parallel ${parallel})`, value: median(remote) / median(local), unit: 'ratio' });

      const localRates: number[] = [];
      const remoteRates: number[] = [];
      const requestRates: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        // A fresh local scorer each round pays for its prefixes, as the first step of a search does.
        localRates.push(await evaluationsPerSecond(new LocalTaskScorer(lm, [' happy', ' sad']), examples));
        const client = new OpenAiClient({ endpoint: served.url, maxConcurrency: 4 });
        remoteRates.push(await evaluationsPerSecond(new RemoteTaskScorer(client, 'stories', [' happy', ' sad']), examples));
        requestRates.push(client.stats().requestsPerSecond);
      }
      const rl = `16 prompts × 32 examples × 2 verbalizers per call, 16 texts per request, client concurrency 4, serve --parallel ${parallel}, median of ${ROUNDS}; ${load()}`;
      if (parallel === 1) rows.push({ bench: 'remote', metric: 'reward evaluations in process (local scorer)', value: median(localRates), unit: 'evals/s', note: 'per-example KV prefixes, 256 rows per ORT run' });
      rows.push({ bench: 'remote', metric: `reward evaluations through serve (--parallel ${parallel})`, value: median(remoteRates), unit: 'evals/s', note: rl });
      rows.push({ bench: 'remote', metric: `requests through serve (--parallel ${parallel})`, value: median(requestRates), unit: 'requests/s', note: 'busy time of the client' });
      rows.push({ bench: 'remote', metric: `reward evaluations serve ÷ in process (--parallel ${parallel})`, value: median(remoteRates) / median(localRates), unit: 'ratio' });
    } finally {
      served.child.kill('SIGINT');
    }
  }
  return rows;
}
