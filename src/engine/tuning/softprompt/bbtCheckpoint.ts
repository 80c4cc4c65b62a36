// BBT checkpoints: the CMA-ES state (mean, σ, C and the decomposition in use, evolution paths,
// its RNG), the generation, and the best prompt on dev. A is not saved: it is redrawn from the
// seed. Same atomic JSON file approach as the gradient trainer's checkpoints.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CmaEsState } from '../optim/cmaes';
import type { RngState } from '../optim/rng';
import { type BestSoFar, decodeArray, encodeArray, writeJsonFileAtomic } from './checkpoint';

export const BBT_CHECKPOINT_FILE = 'bbt-checkpoint.json';

export interface BbtCheckpoint {
  step: number;
  es: CmaEsState;
  best: BestSoFar | null;
  fingerprint: Record<string, string | number>;
}

export function writeBbtCheckpoint(dir: string, c: BbtCheckpoint): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, BBT_CHECKPOINT_FILE);
  const es = { ...c.es, C: encodeArray(c.es.C), B: encodeArray(c.es.B) };
  writeJsonFileAtomic(file, { version: 1, step: c.step, es, best: c.best ? { ...c.best, prompt: encodeArray(c.best.prompt) } : null, fingerprint: c.fingerprint });
  return file;
}

export function readBbtCheckpoint(path: string): BbtCheckpoint {
  const file = path.endsWith('.json') ? path : join(path, BBT_CHECKPOINT_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no BBT checkpoint here' : `unreadable checkpoint (${(err as Error).message})`}`);
  }
  try {
    if (raw.version !== 1) throw new Error(`unsupported checkpoint version ${JSON.stringify(raw.version)}`);
    const es = raw.es as Omit<CmaEsState, 'C' | 'B'> & { C: unknown; B: unknown; rng: RngState };
    const best = raw.best as (Omit<BestSoFar, 'prompt'> & { prompt: unknown }) | null;
    return {
      step: raw.step as number,
      es: { ...es, C: decodeArray(es.C, 'es.C') as Float64Array, B: decodeArray(es.B, 'es.B') as Float64Array },
      best: best ? { ...best, prompt: decodeArray(best.prompt, 'best.prompt') as Float32Array } : null,
      fingerprint: raw.fingerprint as Record<string, string | number>,
    };
  } catch (err) {
    throw new Error(`${file}: bad checkpoint (${(err as Error).message})`);
  }
}
