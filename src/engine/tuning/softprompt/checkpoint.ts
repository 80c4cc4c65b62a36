// Trainer checkpoints: everything a run needs to continue exactly as if never stopped (soft
// prompt, optimizer moments, RNG state, data order, best-so-far, early-stopping counter).
// One JSON file, typed arrays as base64 of their bytes (bit-exact), replaced atomically.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OptimizerState } from '../optim/optimizer';
import type { RngState } from '../optim/rng';

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

export type Encoded = { $f32: string } | { $f64: string };

export function encodeArray(a: Float32Array | Float64Array): Encoded {
  const b64 = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  return a instanceof Float32Array ? { $f32: b64 } : { $f64: b64 };
}

export function decodeArray(v: unknown, where: string): Float32Array | Float64Array {
  const o = v as Record<string, unknown> | null;
  const b64 = o && typeof o === 'object' ? (o.$f32 ?? o.$f64) : undefined;
  if (typeof b64 !== 'string') throw new Error(`${where}: expected an encoded float array`);
  const bytes = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return '$f32' in o! ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
}

export function writeCheckpoint(dir: string, c: TrainerCheckpoint): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, CHECKPOINT_FILE);
  const json = {
    version: 1,
    step: c.step,
    prompt: encodeArray(c.prompt),
    optimizer: { kind: c.optimizer.kind, step: c.optimizer.step, buffers: Object.fromEntries(Object.entries(c.optimizer.buffers).map(([k, v]) => [k, encodeArray(v)])) },
    rng: c.rng,
    order: c.order,
    cursor: c.cursor,
    best: c.best ? { ...c.best, prompt: encodeArray(c.best.prompt) } : null,
    evalsWithoutImprovement: c.evalsWithoutImprovement,
    fingerprint: c.fingerprint,
  };
  writeJsonFileAtomic(file, json);
  return file;
}

/** Write + rename: a reader (or a resumed run after a crash) never sees half a file. */
export function writeJsonFileAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, file);
}

/** Reads `path` (a checkpoint.json or the folder holding one); errors name the file. */
export function readCheckpoint(path: string): TrainerCheckpoint {
  const file = path.endsWith('.json') ? path : join(path, CHECKPOINT_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no checkpoint here' : `unreadable checkpoint (${(err as Error).message})`}`);
  }
  try {
    if (raw.version !== 1) throw new Error(`unsupported checkpoint version ${JSON.stringify(raw.version)}`);
    const opt = raw.optimizer as { kind: string; step: number; buffers: Record<string, unknown> };
    const best = raw.best as (Omit<BestSoFar, 'prompt'> & { prompt: unknown }) | null;
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
      best: best ? { ...best, prompt: decodeArray(best.prompt, 'best.prompt') as Float32Array } : null,
      evalsWithoutImprovement: raw.evalsWithoutImprovement as number,
      fingerprint: raw.fingerprint as Record<string, string | number>,
    };
  } catch (err) {
    throw new Error(`${file}: bad checkpoint (${(err as Error).message})`);
  }
}
