// Trainer checkpoints: everything a run needs to continue exactly as if never stopped (soft
// prompt, optimizer moments, RNG state, data order, best-so-far, early-stopping counter).
import type { OptimizerState } from '../optim/optimizer';
import type { RngState } from '../optim/rng';
import { decodeArray, encodeArray, readCheckpointFile, writeCheckpointFile } from '../checkpointFile';

export const CHECKPOINT_FILE = 'checkpoint.json';

export interface BestSoFar {
  step: number;
  devAcc: number;
  devLoss: number;
  prompt: Float32Array;
}

export interface TrainerCheckpoint {
  step: number;
  prompt: Float32Array;
  optimizer: OptimizerState;
  rng: RngState;
  order: number[];
  cursor: number;
  best: BestSoFar | null;
  evalsWithoutImprovement: number;
  /** Settings that must match for a resume to be meaningful. */
  fingerprint: Record<string, string | number>;
}

export function encodeBest(best: BestSoFar | null): unknown {
  return best ? { ...best, prompt: encodeArray(best.prompt) } : null;
}

export function decodeBest(raw: unknown): BestSoFar | null {
  const best = raw as (Omit<BestSoFar, 'prompt'> & { prompt: unknown }) | null;
  return best ? { ...best, prompt: decodeArray(best.prompt, 'best.prompt') as Float32Array } : null;
}

export function writeCheckpoint(dir: string, c: TrainerCheckpoint): string {
  return writeCheckpointFile(dir, CHECKPOINT_FILE, {
    step: c.step,
    prompt: encodeArray(c.prompt),
    optimizer: { kind: c.optimizer.kind, step: c.optimizer.step, buffers: Object.fromEntries(Object.entries(c.optimizer.buffers).map(([k, v]) => [k, encodeArray(v)])) },
    rng: c.rng,
    order: c.order,
    cursor: c.cursor,
    best: encodeBest(c.best),
    evalsWithoutImprovement: c.evalsWithoutImprovement,
    fingerprint: c.fingerprint,
  });
}

/** Reads `path` (a checkpoint.json or the folder holding one); errors name the file. */
export function readCheckpoint(path: string): TrainerCheckpoint {
  return readCheckpointFile(path, CHECKPOINT_FILE, (raw) => {
    const opt = raw.optimizer as { kind: string; step: number; buffers: Record<string, unknown> };
    return {
      step: raw.step as number,
      prompt: decodeArray(raw.prompt, 'prompt') as Float32Array,
      optimizer: {
        kind: opt.kind,
        step: opt.step,
        buffers: Object.fromEntries(Object.entries(opt.buffers).map(([k, v]) => [k, decodeArray(v, `optimizer.${k}`) as Float64Array])),
      },
      rng: raw.rng as RngState,
      order: raw.order as number[],
      cursor: raw.cursor as number,
      best: decodeBest(raw.best),
      evalsWithoutImprovement: raw.evalsWithoutImprovement as number,
      fingerprint: raw.fingerprint as Record<string, string | number>,
    };
  });
}
