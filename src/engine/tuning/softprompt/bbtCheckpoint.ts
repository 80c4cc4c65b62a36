// BBT checkpoints: the CMA-ES state (mean, σ, C and the decomposition in use, evolution paths,
// its RNG), the generation, and the best prompt on dev. A is not saved: it is redrawn from the
// seed. Same file format as every trainer's checkpoint (checkpointFile.ts).
import type { CmaEsState } from '../optim/cmaes';
import type { RngState } from '../optim/rng';
import { decodeArray, encodeArray, readCheckpointFile, writeCheckpointFile } from '../checkpointFile';
import { type BestSoFar, decodeBest, encodeBest } from './checkpoint';

export const BBT_CHECKPOINT_FILE = 'bbt-checkpoint.json';

export interface BbtCheckpoint {
  step: number;
  es: CmaEsState;
  best: BestSoFar | null;
  fingerprint: Record<string, string | number>;
}

export function writeBbtCheckpoint(dir: string, c: BbtCheckpoint): string {
  const es = { ...c.es, C: encodeArray(c.es.C), B: encodeArray(c.es.B) };
  return writeCheckpointFile(dir, BBT_CHECKPOINT_FILE, { step: c.step, es, best: encodeBest(c.best), fingerprint: c.fingerprint });
}

export function readBbtCheckpoint(path: string): BbtCheckpoint {
  return readCheckpointFile(path, BBT_CHECKPOINT_FILE, (raw) => {
    const es = raw.es as Omit<CmaEsState, 'C' | 'B'> & { C: unknown; B: unknown; rng: RngState };
    return {
      step: raw.step as number,
      es: { ...es, C: decodeArray(es.C, 'es.C') as Float64Array, B: decodeArray(es.B, 'es.B') as Float64Array },
      best: decodeBest(raw.best),
      fingerprint: raw.fingerprint as Record<string, string | number>,
    };
  });
}
