// Fine-tuning checkpoints: everything a run needs to continue exactly as if never stopped — the
// parameters, AdamW's moments and step, the best-on-dev parameters, the RNG state, the data
// order and cursor, the early-stopping counter — in ONE safetensors file (tensorCheckpoint.ts:
// tensors in float32, the rest as JSON in its metadata, replaced atomically).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TensorToWrite } from '../../onnx/safetensors';
import type { RngState } from '../optim/rng';
import { readTensorCheckpoint, readTensorCheckpointState, writeTensorCheckpoint } from '../tensorCheckpoint';

export const FINETUNE_CHECKPOINT_FILE = 'finetune-checkpoint.safetensors';
const FORMAT = { name: 'promptsmith-finetune', what: 'fine-tuning' };

export interface BestOnDev {
  step: number;
  devAcc: number;
  devLoss: number;
}

export interface FineTuneCheckpoint {
  step: number;
  values: Float32Array;
  optimizer: { step: number; m: Float32Array; v: Float32Array };
  rng: RngState;
  order: number[];
  cursor: number;
  best: (BestOnDev & { values: Float32Array }) | null;
  evalsWithoutImprovement: number;
  /** Settings that must match for a resume to be meaningful. */
  fingerprint: Record<string, string | number | boolean>;
}

/** What the metadata carries besides the tensors. */
interface SavedState {
  step: number;
  optimizerStep: number;
  rng: RngState;
  order: number[];
  cursor: number;
  /** JSON cannot carry NaN (a dev loss before any evaluation): null stands for it. */
  best: { step: number; devAcc: number | null; devLoss: number | null } | null;
  evalsWithoutImprovement: number;
  fingerprint: Record<string, string | number | boolean>;
}

export function writeFineTuneCheckpoint(dir: string, c: FineTuneCheckpoint): string {
  const n = c.values.length;
  const tensors: TensorToWrite[] = [
    { name: 'values', dtype: 'F32', shape: [n], data: c.values },
    { name: 'adamw.m', dtype: 'F32', shape: [n], data: c.optimizer.m },
    { name: 'adamw.v', dtype: 'F32', shape: [n], data: c.optimizer.v },
  ];
  if (c.best) tensors.push({ name: 'best', dtype: 'F32', shape: [n], data: c.best.values });
  const state: SavedState = {
    step: c.step,
    optimizerStep: c.optimizer.step,
    rng: c.rng,
    order: c.order,
    cursor: c.cursor,
    best: c.best ? { step: c.best.step, devAcc: c.best.devAcc, devLoss: c.best.devLoss } : null,
    evalsWithoutImprovement: c.evalsWithoutImprovement,
    fingerprint: c.fingerprint,
  };
  return writeTensorCheckpoint(dir, FINETUNE_CHECKPOINT_FILE, FORMAT, state, tensors);
}

/** The checkpoint file in `path` (a checkpoint file, its folder, or a run's output folder). */
export function findFineTuneCheckpoint(path: string): string | undefined {
  for (const candidate of [path, join(path, FINETUNE_CHECKPOINT_FILE), join(path, 'checkpoint', FINETUNE_CHECKPOINT_FILE)]) {
    if (candidate.endsWith('.safetensors') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The settings a checkpoint was made with, from its header alone (no tensor is read). Errors name the file. */
export function readFineTuneFingerprint(file: string): Record<string, unknown> {
  return readTensorCheckpointState<SavedState>(file, FORMAT).fingerprint;
}

/** Reads a checkpoint; `size` is the number of parameters this run trains. Errors name the file. */
export function readFineTuneCheckpoint(path: string, size: number): FineTuneCheckpoint {
  const file = findFineTuneCheckpoint(path);
  if (!file) throw new Error(`${path}: no fine-tuning checkpoint here (expected ${FINETUNE_CHECKPOINT_FILE} or checkpoint/${FINETUNE_CHECKPOINT_FILE})`);
  return readTensorCheckpoint<SavedState, FineTuneCheckpoint>(file, FORMAT, ({ state: s, vector }) => {
    const tensor = (name: string) => vector(name, 'F32', size, `this run trains ${size} parameters`);
    const number = (x: number | null) => (x === null ? Number.NaN : x);
    return {
      step: s.step,
      values: tensor('values'),
      optimizer: { step: s.optimizerStep, m: tensor('adamw.m'), v: tensor('adamw.v') },
      rng: s.rng,
      order: s.order,
      cursor: s.cursor,
      best: s.best ? { step: s.best.step, devAcc: number(s.best.devAcc), devLoss: number(s.best.devLoss), values: tensor('best') } : null,
      evalsWithoutImprovement: s.evalsWithoutImprovement,
      fingerprint: s.fingerprint,
    };
  });
}
