// Black-Box Tuning (Sun et al. 2022, txsun1997/Black-Box-Tuning): gradient-free soft prompt
// search for graphs the autodiff cannot differentiate. P = A z + P0 with A a fixed random
// projection (normal, std = σ̂_embedding / (√d_intrinsic · σ), as bbt.py), z ∈ R^500 searched
// by CMA-ES (population 20, z0 = 0, σ0 = σ = 1); the loss comes from forward passes only.
// P0 is real token embeddings (the caller's init); the fitness rows are a fixed, label-balanced
// sample of the training set (a file sorted by label must not give CMA-ES one class).
import { CmaEs } from '../optim/cmaes';
import { Rng } from '../optim/rng';
import { checkResumable, taskDigest } from '../resumeFingerprint';
import type { BatchExample } from './batchFeeds';
import { readBbtCheckpoint, writeBbtCheckpoint } from './bbtCheckpoint';
import type { BestSoFar } from './checkpoint';
import type { SoftPromptObjective } from './objective';
import { isBetter, type SelectBy, type TrainProgress, type TrainResult } from './trainer';
import { cancelledBeforeStep, isLastStep, type StepGateOptions } from './stepGate';

export interface BbtOptions extends StepGateOptions {
  /** CMA-ES generations (each evaluates `popsize` prompts on the training set). */
  steps: number;
  seed: number;
  intrinsicDim?: number;
  popsize?: number;
  /** CMA-ES initial step size, also in A's std (bbt.py's `sigma`). */
  sigma?: number;
  /** Standard deviation of the model's embedding table (bbt.py's `std_hat`). */
  embeddingStd: number;
  evalEvery: number;
  /** Training examples per loss evaluation (all when larger than the set), balanced across labels. */
  batchSize: number;
  selectBy?: SelectBy;
  /** Write a checkpoint every this many generations into checkpointDir (0 = never). */
  checkpointEvery?: number;
  checkpointDir?: string;
  /** A BBT checkpoint file or folder to continue from. */
  resumeFrom?: string;
  onCheckpoint?: (step: number, file: string) => void;
  signal?: AbortSignal;
  /** Awaited before each generation (a task queue's pause point); a throw after an abort = cancel. */
  beforeStep?: () => Promise<void>;
  onProgress?: (event: TrainProgress) => void;
}

/**
 * `count` examples drawn in turn from each label's rows (each label's rows shuffled by `rng`),
 * so every label is equally represented while it has rows; unlabelled examples are shuffled.
 */
export function balancedSample(examples: readonly BatchExample[], count: number, rng: Rng): BatchExample[] {
  const byLabel = new Map<number, BatchExample[]>();
  for (const ex of examples) {
    const key = ex.label ?? -1;
    if (!byLabel.has(key)) byLabel.set(key, []);
    byLabel.get(key)!.push(ex);
  }
  const queues = [...byLabel.keys()].sort((a, b) => a - b).map((k) => {
    const rows = byLabel.get(k)!;
    return rng.permutation(rows.length).map((i) => rows[i]!);
  });
  const out: BatchExample[] = [];
  while (out.length < Math.min(count, examples.length)) {
    for (const q of queues) if (q.length > 0 && out.length < count) out.push(q.shift()!);
  }
  return out;
}

export async function trainBbt(objective: SoftPromptObjective, data: { train: BatchExample[]; dev: BatchExample[] }, p0: Float32Array, options: BbtOptions): Promise<TrainResult> {
  const dim = options.intrinsicDim ?? 500;
  const sigma = options.sigma ?? 1;
  const size = p0.length;
  const rng = new Rng(options.seed);
  // A is [size, dim], row-major, drawn once from the seed.
  const std = options.embeddingStd / (Math.sqrt(dim) * sigma);
  const A = new Float32Array(size * dim);
  for (let k = 0; k < A.length; k++) A[k] = rng.normal() * std;
  const project = (z: ArrayLike<number>): Float32Array => {
    const p = Float32Array.from(p0);
    for (let i = 0; i < size; i++) {
      let s = 0;
      const row = i * dim;
      for (let j = 0; j < dim; j++) s += A[row + j]! * z[j]!;
      p[i] = p[i]! + s;
    }
    return p;
  };
  const popsize = options.popsize ?? 20;
  const es = new CmaEs(new Float64Array(dim), { popsize, sigma0: sigma, seed: options.seed + 1 });
  const train = balancedSample(data.train, options.batchSize, new Rng(options.seed + 2));
  const selectBy = options.selectBy ?? 'devAccuracy';
  const fingerprint = { size, dim, popsize, sigma, seed: options.seed, trainSize: train.length, selectBy, task: taskDigest(data.train, data.dev) };
  let best: BestSoFar | null = null;
  let step = 0;
  if (options.resumeFrom) {
    const c = readBbtCheckpoint(options.resumeFrom);
    checkResumable(options.resumeFrom, c.fingerprint, fingerprint);
    es.setState(c.es);
    ({ step, best } = c);
  }
  const checkpoint = () => {
    if (!options.checkpointDir) return;
    const file = writeBbtCheckpoint(options.checkpointDir, { step, es: es.getState(), best, fingerprint });
    options.onCheckpoint?.(step, file);
  };
  const started = Date.now();
  const startStep = step;
  let cancelled = false;
  while (step < options.steps) {
    if (await cancelledBeforeStep(options, checkpoint)) {
      cancelled = true;
      break;
    }
    const zs = es.ask();
    const losses: number[] = [];
    for (const z of zs) losses.push((await objective.evaluate(project(z), train)).loss);
    es.tell(zs, losses.map((l) => (Number.isFinite(l) ? l : Number.MAX_VALUE)));
    step++;
    const mean = project(es.mean);
    const trainEval = await objective.evaluate(mean, train);
    const elapsed = (Date.now() - started) / 1000;
    const event: TrainProgress = { type: 'progress', step, totalSteps: options.steps, loss: trainEval.loss, elapsed_s: elapsed, steps_per_s: (step - startStep) / Math.max(elapsed, 1e-9) };
    if (train[0]!.target === undefined) event.train_acc = trainEval.accuracy;
    const last = isLastStep(step, options.steps, options);
    if (data.dev.length > 0 && (step % options.evalEvery === 0 || last)) {
      const dev = await objective.evaluate(mean, data.dev);
      if (data.dev[0]!.target === undefined) event.dev_acc = dev.accuracy;
      event.dev_loss = dev.loss;
      if (isBetter(dev, best, selectBy)) {
        best = { step, devAcc: dev.accuracy, devLoss: dev.loss, prompt: mean };
      }
    }
    options.onProgress?.(event);
    if ((options.checkpointEvery ?? 0) > 0 && step % options.checkpointEvery! === 0) checkpoint();
    if (last && step < options.steps) break;
  }
  const final = project(es.mean);
  return {
    prompt: best ? best.prompt : final,
    bestStep: best ? best.step : step,
    devAcc: best ? best.devAcc : Number.NaN,
    devLoss: best ? best.devLoss : Number.NaN,
    finalPrompt: final,
    stepsRun: step,
    stoppedEarly: false,
    cancelled,
  };
}
