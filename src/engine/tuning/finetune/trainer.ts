// The fine-tuning loop: shuffled mini-batches (a new permutation each epoch), gradient of the
// mean loss through the autodiff graph, global gradient-norm clipping, AdamW with a warm-up +
// decay schedule; evaluation on dev every `evalEvery` steps keeping the best parameters on dev
// (classification: higher accuracy, ties to lower loss; generation: lower loss), early stopping
// after `patience` evaluations without improvement, checkpoints that resume bit for bit.
// On return the parameter vector holds the best parameters on dev (the last ones without dev).
import { AdamW } from '../optim/adamw';
import { Rng } from '../optim/rng';
import { checkResumable, type Fingerprint, taskDigest } from '../resumeFingerprint';
import type { BatchExample } from '../softprompt/batchFeeds';
import { buildBatch } from '../softprompt/batchFeeds';
import { accuracy } from '../softprompt/objective';
import { nextBatch } from '../shuffledBatches';
import { cancelledBeforeStep, isLastStep, type StepGateOptions } from '../softprompt/stepGate';
import { type BestOnDev, type FineTuneCheckpoint, readFineTuneCheckpoint, writeFineTuneCheckpoint } from './checkpoint';
import { evaluateSplit, type ObjectiveKind } from './evaluation';
import { clipGradientNorm, learningRateAt } from './schedule';
import type { FineTuneSettings } from './settings';
import { type FineTuneSessions, runFineTuneBatch } from './trainingSession';

export interface FineTuneProgress {
  type: 'progress';
  step: number;
  totalSteps: number;
  loss: number;
  /** Accuracy on this step's batch (classification). */
  train_acc?: number;
  dev_acc?: number;
  dev_loss?: number;
  lr: number;
  grad_norm: number;
  elapsed_s: number;
  steps_per_s: number;
}

/** The run's settings that shape training, plus where checkpoints go and the run's controls. */
export interface FineTuneTrainerOptions extends StepGateOptions, Pick<FineTuneSettings, 'steps' | 'batchSize' | 'lr' | 'warmup' | 'schedule' | 'weightDecay' | 'maxGradNorm' | 'evalEvery' | 'patience' | 'seed'> {
  kind: ObjectiveKind;
  /** Every this many steps (0 = never) into checkpointDir; also on cancel and at the end. */
  checkpointEvery: number;
  checkpointDir?: string;
  resumeFrom?: string;
  /** Extra settings a resumed run must share (mode, LoRA rank, …). */
  fingerprint?: Record<string, string | number | boolean>;
  signal?: AbortSignal;
  beforeStep?: () => Promise<void>;
  onProgress?: (event: FineTuneProgress) => void;
  onCheckpoint?: (step: number, file: string) => void;
}

export interface FineTuneTrainResult {
  best: BestOnDev | null;
  stepsRun: number;
  stoppedEarly: boolean;
  cancelled: boolean;
}

export interface TrainingExamples {
  train: BatchExample[];
  dev: BatchExample[];
  /** Per class, its verbalizer's token ids (generation: unused). */
  classTokens: number[][];
}

function better(kind: ObjectiveKind, dev: { accuracy?: number; loss: number }, best: BestOnDev | null): boolean {
  if (!best) return true;
  if (kind === 'generation') return dev.loss < best.devLoss;
  const acc = dev.accuracy ?? 0;
  return acc > best.devAcc || (acc === best.devAcc && dev.loss < best.devLoss);
}

/** What a resumed run must share with its checkpoint, but the parameter count (known once the graph is built). */
export function fineTuneFingerprint(options: Omit<FineTuneTrainerOptions, 'checkpointEvery'>, data: TrainingExamples): Fingerprint {
  return {
    ...options.fingerprint,
    kind: options.kind,
    steps: options.steps,
    batchSize: Math.min(options.batchSize, data.train.length),
    lr: options.lr,
    warmup: options.warmup,
    schedule: options.schedule,
    weightDecay: options.weightDecay,
    maxGradNorm: options.maxGradNorm,
    seed: options.seed,
    trainSize: data.train.length,
    task: taskDigest(data.train, data.dev),
  };
}

export async function trainFineTune(s: FineTuneSessions, data: TrainingExamples, options: FineTuneTrainerOptions): Promise<FineTuneTrainResult> {
  if (data.train.length === 0) throw new Error('fine tuning: the training set is empty');
  const params = s.params;
  const batchSize = Math.min(options.batchSize, data.train.length);
  const fingerprint = { ...fineTuneFingerprint(options, data), parameters: params.count };
  const optimizer = new AdamW(params.count, { lr: options.lr, weightDecay: options.weightDecay, segments: params.segments() });
  let rng = new Rng(options.seed);
  let step = 0;
  let order = rng.permutation(data.train.length);
  let cursor = 0;
  let best: BestOnDev | null = null;
  let bestValues: Float32Array | null = null;
  let evalsWithoutImprovement = 0;

  if (options.resumeFrom) {
    const c = readFineTuneCheckpoint(options.resumeFrom, params.count);
    checkResumable(options.resumeFrom, c.fingerprint, fingerprint);
    params.values.set(c.values);
    optimizer.restore(c.optimizer.step, c.optimizer.m, c.optimizer.v);
    rng = new Rng(c.rng);
    ({ step, order, cursor, evalsWithoutImprovement } = c);
    if (c.best) {
      best = { step: c.best.step, devAcc: c.best.devAcc, devLoss: c.best.devLoss };
      bestValues = c.best.values;
    }
  }

  const snapshot = (): FineTuneCheckpoint => ({
    step,
    values: params.values,
    optimizer: { step: optimizer.stepsTaken, m: optimizer.m, v: optimizer.v },
    rng: rng.state(),
    order,
    cursor,
    best: best && bestValues ? { ...best, values: bestValues } : null,
    evalsWithoutImprovement,
    fingerprint,
  });
  const checkpoint = () => {
    if (!options.checkpointDir || options.checkpointEvery <= 0) return;
    const file = writeFineTuneCheckpoint(options.checkpointDir, snapshot());
    options.onCheckpoint?.(step, file);
  };

  const grad = new Float32Array(params.count);
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
    const r = await runFineTuneBatch(s, buildBatch(batch, data.classTokens, s.vocabSize), grad);
    if (!Number.isFinite(r.loss)) throw new Error(`fine tuning: the loss became ${r.loss} at step ${step + 1} (lower the learning rate)`);
    const gradNorm = clipGradientNorm(grad, options.maxGradNorm);
    const lr = learningRateAt(step, { lr: options.lr, warmup: options.warmup, total: options.steps, kind: options.schedule });
    optimizer.step(params.values, grad, lr);
    step++;
    const elapsed = (Date.now() - started) / 1000;
    const event: FineTuneProgress = {
      type: 'progress',
      step,
      totalSteps: options.steps,
      loss: r.loss,
      lr,
      grad_norm: gradNorm,
      elapsed_s: elapsed,
      steps_per_s: elapsed > 0 ? (step - startStep) / elapsed : 0,
    };
    if (options.kind === 'classification') {
      const C = r.classScores.length / batch.length;
      event.train_acc = accuracy(
        batch.map((_, e) => Array.from(r.classScores.subarray(e * C, (e + 1) * C))),
        batch,
      );
    }
    const last = isLastStep(step, options.steps, options);
    if (data.dev.length > 0 && (step % options.evalEvery === 0 || last)) {
      const dev = await evaluateSplit(s, data.dev, data.classTokens, { kind: options.kind });
      event.dev_acc = dev.accuracy;
      event.dev_loss = dev.loss;
      if (better(options.kind, dev, best)) {
        best = { step, devAcc: dev.accuracy ?? Number.NaN, devLoss: dev.loss };
        bestValues = Float32Array.from(params.values);
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
  // The end state is a checkpoint too: resuming a finished run gives its result again.
  if (!cancelled && options.checkpointEvery > 0 && step % options.checkpointEvery !== 0) checkpoint();
  if (bestValues) params.values.set(bestValues);
  return { best, stepsRun: step, stoppedEarly, cancelled };
}
