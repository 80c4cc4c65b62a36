// Fine tuning (full and LoRA), measured:
//  1. stories260k: one training step (forward + backward through the autodiff graph + clipping +
//     AdamW) ÷ one forward pass of the same loss graph on the same batch, interleaved rounds;
//  2. stories260k + tinysent with the default settings, full and LoRA: accuracy by split
//     (train for training, dev for selection, test only reported) beside the manual template;
//  3. a RANDOM Llama with SmolLM2-135M's shape (30 layers, d 576, 9/3 heads, vocabulary 49,152):
//     step ÷ forward and the memory estimate vs the peak RSS, each mode in its own process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildOnnxModel } from '../src/engine/onnx/export/exportModel';
import { loadTokenizer } from '../src/modelFiles/tokenizer';
import { writeTinyCheckpoint } from '../src/engine/onnx/export/tinyModels';
import { checkpointTensorShapes, parameterCount } from '../src/engine/tuning/finetune/checkpointHeaders';
import { type FineTuneOutcome, fineTune } from '../src/engine/tuning/finetune/fineTune';
import { addLoraAdapters } from '../src/engine/tuning/finetune/loraGraph';
import { DEFAULT_LORA_TARGETS } from '../src/promptFile/promptsmithSettings';
import { estimateTrainingMemory, modelShapeFromConfig } from '../src/engine/tuning/finetune/memoryEstimate';
import { weightsAsInputs } from '../src/engine/tuning/finetune/parameters';
import { clipGradientNorm } from '../src/engine/tuning/finetune/schedule';
import { type FineTuneSessions, openFineTuneSessions, releaseFineTuneSessions, runFineTuneBatch } from '../src/engine/tuning/finetune/trainingSession';
import { AdamW } from '../src/engine/tuning/optim/adamw';
import { Rng } from '../src/engine/tuning/optim/rng';
import { type BatchArrays, type BatchExample, buildBatch } from '../src/engine/tuning/softprompt/batchFeeds';
import { median, repoDir } from './benchModels';
import type { BenchRow } from './benchRow';

const MIB = 2 ** 20;
const SMOL = { hidden: 576, layers: 30, heads: 9, kvHeads: 3, intermediate: 1536, vocab: 49_152 };

/** Sessions for `mode` on a safetensors folder, as fineTune opens them. */
async function sessionsFor(dir: string, mode: 'full' | 'lora'): Promise<FineTuneSessions> {
  const full = weightsAsInputs(buildOnnxModel(dir, { withPast: false }), checkpointTensorShapes(dir));
  if (mode === 'full') return openFineTuneSessions(full.model, full.params, { loss: 'classification', device: 'cpu' });
  const lora = addLoraAdapters(full.model, { r: 8, alpha: 16, targetModules: DEFAULT_LORA_TARGETS }, new Rng(1));
  return openFineTuneSessions(lora.model, lora.params, { loss: 'classification', device: 'cpu', frozen: full.params });
}

/** Forward pass and training step (fwd+bwd, clip, AdamW) times, interleaved, in ms. */
async function stepTimes(s: FineTuneSessions, batch: BatchArrays, rounds: number): Promise<{ forward: number[]; step: number[] }> {
  const grad = new Float32Array(s.params.count);
  const opt = new AdamW(s.params.count, { lr: 1e-5, segments: s.params.segments() });
  const forward: number[] = [];
  const step: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    let t = performance.now();
    await runFineTuneBatch(s, batch);
    const f = performance.now() - t;
    t = performance.now();
    await runFineTuneBatch(s, batch, grad);
    clipGradientNorm(grad, 1);
    opt.step(s.params.values, grad);
    const g = performance.now() - t;
    // The first round warms up ORT's allocations.
    if (r > 0) {
      forward.push(f);
      step.push(g);
    }
  }
  return { forward, step };
}

function randomBatch(rows: number, tokens: number, seed: number): BatchArrays {
  const rng = new Rng(seed);
  const examples: BatchExample[] = Array.from({ length: rows }, (_, i) => ({ ids: [1, ...Array.from({ length: tokens - 1 }, () => 3 + rng.int(300))], label: i % 2 }));
  return buildBatch(examples, [[10], [11]], SMOL.vocab);
}

/** Runs in a child process (its own peak RSS): one mode on the SmolLM2-shaped model. */
export async function smolChild(dir: string, mode: 'full' | 'lora', rounds: number): Promise<Record<string, number>> {
  const started = performance.now();
  const s = await sessionsFor(dir, mode);
  const openS = (performance.now() - started) / 1000;
  try {
    const batch = randomBatch(8, 44, 3);
    const t = await stepTimes(s, batch, rounds);
    const total = parameterCount(checkpointTensorShapes(dir));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const estimate = estimateTrainingMemory({ shape: modelShapeFromConfig(config, total), trainable: s.params.count, optimizerSlots: 2, rows: batch.rows, seqLen: batch.seqLen, keepBest: false });
    return {
      open_s: openS,
      forward_ms: median(t.forward),
      step_ms: median(t.step),
      ratio: median(t.step.map((x, i) => x / t.forward[i]!)),
      trainable: s.params.count,
      estimate_mib: estimate.total / MIB,
      peak_rss_mib: (process.resourceUsage().maxRSS * 1024) / MIB,
    };
  } finally {
    await releaseFineTuneSessions(s);
  }
}

function runChild(fn: string, args: unknown[]): Record<string, number> {
  const script = `require(${JSON.stringify(__filename)}).${fn}(...${JSON.stringify(args)}).then((r) => console.log('@@' + JSON.stringify(r)), (e) => { console.error(e && e.stack || e); process.exit(1); })`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 16 * MIB });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('@@'));
  if (r.status !== 0 || !line) throw new Error(`child ${fn}(${JSON.stringify(args)}) failed: ${r.stderr}`);
  return JSON.parse(line.slice(2));
}

/** The SmolLM2-135M-shaped random checkpoint, written once into <repo>/.models. */
function smolCheckpoint(): string {
  const dir = join(repoDir(), '.models', 'bench-random-llama-smollm2-135m-shape');
  if (!existsSync(join(dir, 'model.safetensors'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    writeTinyCheckpoint('llama', tmp, 0, SMOL);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return dir;
}

/** The tinysent task file in a temporary folder (test split included: reported, never selected on). */
function tinysentTask(work: string): string {
  const shared = resolve(repoDir(), '../shared');
  const model = join(shared, 'models', 'stories260k-hf');
  const data = join(shared, 'data', 'tinysent');
  const file = join(work, 'sentiment.prompt');
  writeFileSync(
    file,
    `---\nmodel: ${model}\npromptsmith.task:\n  train: ${join(data, 'train.jsonl')}\n  dev: ${join(data, 'dev.jsonl')}\n  test: ${join(data, 'test.jsonl')}\n  labels:\n    positive: " happy"\n    negative: " sad"\n---\n{{text}} They were\n`,
  );
  return file;
}

async function tinysentRuns(out: BenchRow[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ps-bench-finetune-'));
  try {
    const file = tinysentTask(work);
    for (const method of ['full', 'lora'] as const) {
      const started = performance.now();
      const r = await fineTune({ promptFile: file, out: join(work, method), device: 'cpu', overrides: { method }, checkpointEvery: 0 });
      const seconds = (performance.now() - started) / 1000;
      const note = `stories260k + tinysent, defaults (${method}, ${r.steps_run} steps, lr ${r.settings.lr}), best dev at step ${r.best_step}, ${r.trainable_params} trainable, ${seconds.toFixed(1)} s`;
      if (method === 'full') {
        for (const split of ['train', 'dev', 'test'] as const) out.push({ bench: 'finetune', metric: `manual template ${split} acc`, value: r.manual[`${split}_acc`] ?? Number.NaN, unit: 'acc', note: '{{text}} They were, happy/sad, base model' });
      }
      for (const split of ['train', 'dev', 'test'] as const) out.push({ bench: 'finetune', metric: `${method} ${split} acc`, value: r[`${split}_acc`] ?? Number.NaN, unit: 'acc', note });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * FINETUNE_SWEEP=1: the grid behind the defaults in src/engine/tuning/finetune/README.md
 * (3 seeds × method × lr × steps, about 10 minutes on 2 cores); one row per setting and split.
 */
async function defaultsSweep(out: BenchRow[]): Promise<void> {
  const grid: { method: 'full' | 'lora'; lr: number }[] = [
    ...[1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3].map((lr) => ({ method: 'full' as const, lr })),
    ...[1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2].map((lr) => ({ method: 'lora' as const, lr })),
  ];
  const work = mkdtempSync(join(tmpdir(), 'ps-bench-finetune-sweep-'));
  try {
    const file = tinysentTask(work);
    for (const { method, lr } of grid) {
      for (const steps of [30, 100, 200]) {
        const runs: FineTuneOutcome[] = [];
        for (const seed of [0, 1, 2]) {
          const overrides = { method, lr, steps, seed, warmup: Math.max(1, Math.round(steps / 10)) };
          runs.push(await fineTune({ promptFile: file, out: join(work, 'out'), device: 'cpu', overrides, checkpointEvery: 0 }));
          rmSync(join(work, 'out'), { recursive: true, force: true });
        }
        const mean = (f: (r: FineTuneOutcome) => number | null) => runs.reduce((s, r) => s + (f(r) ?? Number.NaN), 0) / runs.length;
        const note = `seeds 0-2; dev loss ${mean((r) => r.dev_loss).toExponential(1)}; test ${runs.map((r) => r.test_acc).join(', ')}`;
        for (const split of ['train', 'dev', 'test'] as const) out.push({ bench: 'finetune-sweep', metric: `${method} lr ${lr} ${steps} steps ${split} acc`, value: mean((r) => r[`${split}_acc`]), unit: 'acc', note });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export default async function (): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  if (process.env.FINETUNE_SWEEP) {
    await defaultsSweep(out);
    return out;
  }
  const stories = join(resolve(repoDir(), '../shared'), 'models', 'stories260k-hf');
  if (!existsSync(stories)) throw new Error(`${stories}: missing (the bench trains the real stories260k)`);

  // 1. stories260k step ÷ forward, full and LoRA, on a tinysent-sized batch.
  const lines = readFileSync(join(resolve(repoDir(), '../shared'), 'data', 'tinysent', 'train.jsonl'), 'utf8').trim().split('\n').slice(0, 8);
  const tokenizer = loadTokenizer(stories);
  const classTokens = [' happy', ' sad'].map((v) => tokenizer.encode(v, { addSpecialTokens: false }));
  const batch = buildBatch(
    lines.map((l) => JSON.parse(l) as { text: string; label: string }).map((r) => ({ ids: tokenizer.encode(`${r.text} They were`), label: r.label === 'positive' ? 0 : 1 })),
    classTokens,
    512,
  );
  for (const mode of ['full', 'lora'] as const) {
    const s = await sessionsFor(stories, mode);
    try {
      const t = await stepTimes(s, batch, 30);
      const note = `stories260k, batch 8 × ${batch.seqLen} tokens (${batch.rows} rows), ${s.params.count} trainable, cpu, median of 30`;
      out.push({ bench: 'finetune', metric: `stories260k ${mode} step (fwd+bwd+clip+AdamW)`, value: median(t.step), unit: 'ms', note });
      out.push({ bench: 'finetune', metric: `stories260k ${mode} step ÷ forward pass`, value: median(t.step.map((x, i) => x / t.forward[i]!)), unit: 'ratio', target: 'theory ≈ 3', note: `forward ${median(t.forward).toFixed(1)} ms` });
    } finally {
      await releaseFineTuneSessions(s);
    }
  }

  // 2. Accuracy by split with the defaults.
  await tinysentRuns(out);

  // 3. SmolLM2-135M shape, each mode in a fresh process so its peak RSS is its own.
  mkdirSync(join(repoDir(), '.models'), { recursive: true });
  const smol = smolCheckpoint();
  for (const mode of ['full', 'lora'] as const) {
    const r = runChild('smolChild', [smol, mode, 3]);
    const note = `RANDOM Llama, SmolLM2-135M shape, batch 8 × 44 tokens, ${r.trainable} trainable, cpu, median of 3 (sessions opened in ${r.open_s!.toFixed(0)} s)`;
    out.push({ bench: 'finetune', metric: `135m ${mode} step`, value: r.step_ms! / 1000, unit: 's', note });
    out.push({ bench: 'finetune', metric: `135m ${mode} step ÷ forward pass`, value: r.ratio!, unit: 'ratio', note: `forward ${(r.forward_ms! / 1000).toFixed(2)} s` });
    out.push({ bench: 'finetune', metric: `135m ${mode} memory estimate`, value: r.estimate_mib!, unit: 'MiB', note: 'estimateTrainingMemory, no best copy (none is kept here)' });
    out.push({ bench: 'finetune', metric: `135m ${mode} peak RSS`, value: r.peak_rss_mib!, unit: 'MiB', note: 'process.resourceUsage().maxRSS of the child that built the graph and trained' });
  }
  return out;
}
