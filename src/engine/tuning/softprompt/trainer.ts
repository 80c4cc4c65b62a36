// Gradient-based soft prompt training (Lester et al. 2021): shuffled mini-batches, Adam or
// Adafactor on P, decoupled weight decay (toward zero as the paper, or toward the initial
// prompt), dev evaluation every k steps keeping the best P on dev (by accuracy or by loss),
// early stopping after `patience` evaluations without improvement, checkpoints every k steps,
// exact resume.
import { Adafactor } from '../optim/adafactor';
import { Adam } from '../optim/adam';
import type { Optimizer } from '../optim/optimizer';
import { Rng } from '../optim/rng';
import { checkResumable, taskDigest } from '../resumeFingerprint';
import type { BatchExample } from './batchFeeds';
import { type BestSoFar, readCheckpoint, type TrainerCheckpoint, writeCheckpoint } from './checkpoint';
import { accuracy, type SoftPromptObjective } from './objective';
import { nextBatch } from '../shuffledBatches';
import { cancelledBeforeStep, isLastStep, type StepGateOptions } from './stepGate';

export type OptimizerKind = 'adam' | 'adafactor';
export type SelectBy = 'devAccuracy' | 'devLoss';

export interface TrainProgress {
  type: 'progress';
  step: number;
  totalSteps: number;
  loss: number;
  /** Classification only (generation has no labels to be right about). */
  train_acc?: number;
  dev_acc?: number;
  dev_loss?: number;
  elapsed_s: number;
  steps_per_s: number;
}

export interface TrainerOptions extends StepGateOptions {
  steps: number;
  lr: number;
  optimizer: OptimizerKind;
  batchSize: number;
  /** Per step, after the update: p ← p − weightDecay · (p − anchor) (T5X's decoupled form; 0 = off). */
  weightDecay?: number;
  /** What weight decay pulls toward (the initial prompt, for decay toward the init); default zero. */
  decayAnchor?: Float32Array;
  /** Best = highest dev accuracy, ties broken by lower dev loss (default), or lowest dev loss. */
  selectBy?: SelectBy;
  /** Evaluate on dev every this many steps (and after the last step). */
  evalEvery: number;
  /** Stop after this many evaluations without a better dev result (0 = never). */
  patience: number;
  seed: number;
  /** Write a checkpoint every this many steps into checkpointDir (0 = never). */
  checkpointEvery: number;
  checkpointDir?: string;
  /** A checkpoint file or folder to continue from. */
  resumeFrom?: string;
  signal?: AbortSignal;
  /** Awaited before each step (a task queue's pause point); a throw after an abort = cancel. */
  beforeStep?: () => Promise<void>;
  onProgress?: (event: TrainProgress) => void;
  onCheckpoint?: (step: number, file: string) => void;
}

export interface TrainResult {
  /** The best soft prompt on dev (the final one when no evaluation ran). */
  prompt: Float32Array;
  bestStep: number;
  devAcc: number;
  devLoss: number;
  finalPrompt: Float32Array;
  stepsRun: number;
  stoppedEarly: boolean;
  cancelled: boolean;
}

export function makeOptimizer(kind: OptimizerKind, shape: [number, number], lr: number): Optimizer {
  if (kind === 'adam') return new Adam(shape[0] * shape[1], { lr });
  // One second moment per value: the prompt is small, and the paper's setup does not factor it.
  if (kind === 'adafactor') return new Adafactor(shape, { lr, factored: false });
  throw new Error(`optimizer must be adam or adafactor, got ${JSON.stringify(kind)}`);
}

export async function trainSoftPrompt(
  objective: SoftPromptObjective,
  data: { train: BatchExample[]; dev: BatchExample[] },
  initialPrompt: Float32Array,
  options: TrainerOptions,
): Promise<TrainResult> {
  const n = objective.numVirtualTokens;
  const d = objective.hidden;
  if (data.train.length === 0) throw new Error('soft prompt training: the training set is empty');
  const batchSize = Math.min(options.batchSize, data.train.length);
  const weightDecay = options.weightDecay ?? 0;
  const selectBy = options.selectBy ?? 'devAccuracy';
  const fingerprint = {
    numVirtualTokens: n,
    hidden: d,
    optimizer: options.optimizer,
    lr: options.lr,
    batchSize,
    seed: options.seed,
    trainSize: data.train.length,
    weightDecay,
    decayToward: options.decayAnchor ? 'init' : 'zero',
    selectBy,
    task: taskDigest(data.train, data.dev),
  };
  if (options.decayAnchor && options.decayAnchor.length !== n * d) throw new Error(`soft prompt training: the decay anchor has ${options.decayAnchor.length} values, expected ${n * d}`);
  const optimizer = makeOptimizer(options.optimizer, [n, d], options.lr);
  let rng = new Rng(options.seed);
  let prompt = Float32Array.from(initialPrompt);
  let step = 0;
  let order = rng.permutation(data.train.length);
  let cursor = 0;
  let best: BestSoFar | null = null;
  let evalsWithoutImprovement = 0;

  if (options.resumeFrom) {
    const c = readCheckpoint(options.resumeFrom);
    checkResumable(options.resumeFrom, c.fingerprint, fingerprint);
    optimizer.setState(c.optimizer);
    rng = new Rng(c.rng);
    prompt = Float32Array.from(c.prompt);
    ({ step, order, cursor, best, evalsWithoutImprovement } = c);
  }

  const snapshot = (): TrainerCheckpoint => ({
    step,
    prompt,
    optimizer: optimizer.getState(),
    rng: rng.state(),
    order,
    cursor,
    best,
    evalsWithoutImprovement,
    fingerprint,
  });
  const checkpoint = () => {
    if (!options.checkpointDir) return;
    const file = writeCheckpoint(options.checkpointDir, snapshot());
    options.onCheckpoint?.(step, file);
  };

  const started = Date.now();
  const startStep = step;
  let stoppedEarly = false;
  let cancelled = false;
  while (step < options.steps) {
    if (await cancelledBeforeStep(options, checkpoint)) {
      cancelled = true;
      break;
    }
    const drawn = { order, cursor };
    const batch = nextBatch(data.train, batchSize, drawn, rng);
    ({ order, cursor } = drawn);
    const r = await objective.lossAndGrad(prompt, batch);
    if (!Number.isFinite(r.loss)) throw new Error(`soft prompt training: the loss became ${r.loss} at step ${step + 1} (lower the learning rate)`);
    optimizer.step(prompt, r.grad!);
    if (weightDecay > 0) decay(prompt, weightDecay, options.decayAnchor);
    step++;
    const C = r.classScores.length / batch.length;
    const scores = batch.map((_, e) => Array.from(r.classScores.subarray(e * C, (e + 1) * C)));
    const elapsed = (Date.now() - started) / 1000;
    const event: TrainProgress = {
      type: 'progress',
      step,
      totalSteps: options.steps,
      loss: r.loss,
      elapsed_s: elapsed,
      steps_per_s: elapsed > 0 ? (step - startStep) / elapsed : 0,
    };
    if (batch[0]!.target === undefined) event.train_acc = accuracy(scores, batch);
    const last = isLastStep(step, options.steps, options);
    if (data.dev.length > 0 && (step % options.evalEvery === 0 || last)) {
      const dev = await objective.evaluate(prompt, data.dev);
      if (data.dev[0]!.target === undefined) event.dev_acc = dev.accuracy;
      event.dev_loss = dev.loss;
      if (isBetter(dev, best, selectBy)) {
        best = { step, devAcc: dev.accuracy, devLoss: dev.loss, prompt: Float32Array.from(prompt) };
        evalsWithoutImprovement = 0;
      } else {
        evalsWithoutImprovement++;
      }
    }
    options.onProgress?.(event);
    if (options.checkpointEvery > 0 && step % options.checkpointEvery === 0) checkpoint();
    if ((options.patience > 0 && evalsWithoutImprovement >= options.patience) || (last && step < options.steps)) {
      stoppedEarly = true;
      break;
    }
  }
  return {
    prompt: best ? best.prompt : Float32Array.from(prompt),
    bestStep: best ? best.step : step,
    devAcc: best ? best.devAcc : Number.NaN,
    devLoss: best ? best.devLoss : Number.NaN,
    finalPrompt: prompt,
    stepsRun: step,
    stoppedEarly,
    cancelled,
  };
}

/** Decoupled weight decay, in place: p ← p − rate · (p − anchor), anchor zero when absent. */
export function decay(prompt: Float32Array, rate: number, anchor?: Float32Array): void {
  for (let k = 0; k < prompt.length; k++) prompt[k] = prompt[k]! - rate * (prompt[k]! - (anchor ? anchor[k]! : 0));
}

/** Whether a dev evaluation beats the best so far under the selection rule. */
export function isBetter(dev: { accuracy: number; loss: number }, best: Pick<BestSoFar, 'devAcc' | 'devLoss'> | null, selectBy: SelectBy): boolean {
  if (!best) return true;
  if (selectBy === 'devLoss') return dev.loss < best.devLoss;
  return dev.accuracy > best.devAcc || (dev.accuracy === best.devAcc && dev.loss < best.devLoss);
}
