// Fine-tuning checkpoints: everything a run needs to continue exactly as if never stopped — the
// parameters, AdamW's moments and step, the best-on-dev parameters, the RNG state, the data
// order and cursor, the early-stopping counter — in ONE safetensors file (tensors in float32, the
// rest as JSON in its metadata), written to a temporary file and renamed over the old one, so a
// crash at any moment leaves either the previous checkpoint or the new one, never half of one.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors, readSafetensors, type SafetensorsFile, type TensorToWrite, writeSafetensors } from '../../onnx/safetensors';
import type { RngState } from '../optim/rng';

export const FINETUNE_CHECKPOINT_FILE = 'finetune-checkpoint.safetensors';
const VERSION = 1;

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

export function writeFineTuneCheckpoint(dir: string, c: FineTuneCheckpoint): string {
  const n = c.values.length;
  const tensors: TensorToWrite[] = [
    { name: 'values', dtype: 'F32', shape: [n], data: c.values },
    { name: 'adamw.m', dtype: 'F32', shape: [n], data: c.optimizer.m },
    { name: 'adamw.v', dtype: 'F32', shape: [n], data: c.optimizer.v },
  ];
  if (c.best) tensors.push({ name: 'best', dtype: 'F32', shape: [n], data: c.best.values });
  const state = {
    version: VERSION,
    step: c.step,
    optimizerStep: c.optimizer.step,
    rng: c.rng,
    order: c.order,
    cursor: c.cursor,
    best: c.best ? { step: c.best.step, devAcc: c.best.devAcc, devLoss: c.best.devLoss } : null,
    evalsWithoutImprovement: c.evalsWithoutImprovement,
    fingerprint: c.fingerprint,
  };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, FINETUNE_CHECKPOINT_FILE);
  // JSON cannot carry NaN (a dev loss before any evaluation); it is written as null and read back.
  writeSafetensors(file, tensors, { format: 'promptsmith-finetune', state: JSON.stringify(state) });
  return file;
}

/** The checkpoint file in `path` (a checkpoint file, its folder, or a run's output folder). */
export function findFineTuneCheckpoint(path: string): string | undefined {
  for (const candidate of [path, join(path, FINETUNE_CHECKPOINT_FILE), join(path, 'checkpoint', FINETUNE_CHECKPOINT_FILE)]) {
    if (candidate.endsWith('.safetensors') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The run state a checkpoint's metadata carries (its header alone), checked to be ours and of this version. */
function savedState(st: SafetensorsFile) {
  if (st.metadata.format !== 'promptsmith-finetune' || typeof st.metadata.state !== 'string') throw new Error('not a Promptsmith fine-tuning checkpoint');
  const s = JSON.parse(st.metadata.state);
  if (s.version !== VERSION) throw new Error(`unsupported checkpoint version ${JSON.stringify(s.version)}`);
  return s;
}

/** The settings a checkpoint was made with, from its header alone (no tensor is read). Errors name the file. */
export function readFineTuneFingerprint(file: string): Record<string, unknown> {
  const st = openSafetensors(file);
  try {
    return savedState(st).fingerprint;
  } catch (err) {
    throw new Error(`${file}: bad checkpoint (${(err as Error).message})`);
  }
}

/** Reads a checkpoint; `size` is the number of parameters this run trains. Errors name the file. */
export function readFineTuneCheckpoint(path: string, size: number): FineTuneCheckpoint {
  const file = findFineTuneCheckpoint(path);
  if (!file) throw new Error(`${path}: no fine-tuning checkpoint here (expected ${FINETUNE_CHECKPOINT_FILE} or checkpoint/${FINETUNE_CHECKPOINT_FILE})`);
  const st = readSafetensors(file);
  try {
    const s = savedState(st);
    const tensor = (name: string): Float32Array => {
      const e = st.entry(name);
      if (e.dtype !== 'F32' || e.shape.length !== 1 || e.shape[0] !== size) throw new Error(`tensor '${name}' is ${e.dtype} [${e.shape}], this run trains ${size} parameters`);
      return new Float32Array(e.bytes.buffer.slice(e.bytes.byteOffset, e.bytes.byteOffset + e.bytes.byteLength));
    };
    const number = (x: unknown) => (x === null ? Number.NaN : (x as number));
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
  } catch (err) {
    throw new Error(`${file}: bad checkpoint (${(err as Error).message})`);
  }
}
