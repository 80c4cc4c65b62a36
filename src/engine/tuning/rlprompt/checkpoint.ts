// RL prompt tuning checkpoints: everything a search needs to continue exactly as if never
// stopped — the policy MLP, its target network, Adam's moments, the RNG, the prompt table, the
// step and the evaluation count (random search: no networks). One JSON file, float arrays as
// base64 of their bytes (bit-exact), replaced atomically.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArray, encodeArray, readCheckpointFile, writeCheckpointFile } from '../checkpointFile';
import type { OptimizerState } from '../optim/optimizer';
import type { RngState } from '../optim/rng';
import type { PromptTableState } from './promptTable';
import type { SearchState } from './searchLoop';

export const RL_CHECKPOINT_FILE = 'rlprompt-checkpoint.json';

export interface RlCheckpoint {
  method: 'rl' | 'random';
  search: SearchState;
  rng: RngState;
  policy?: { params: Float32Array; target: Float32Array; optimizer: OptimizerState };
  /** Settings that must match for a resume to continue the same run. */
  fingerprint: Record<string, string | number>;
}

export function writeRlCheckpoint(dir: string, c: RlCheckpoint): string {
  const policy = c.policy && {
    params: encodeArray(c.policy.params),
    target: encodeArray(c.policy.target),
    optimizer: { kind: c.policy.optimizer.kind, step: c.policy.optimizer.step, buffers: Object.fromEntries(Object.entries(c.policy.optimizer.buffers).map(([k, v]) => [k, encodeArray(v)])) },
  };
  return writeCheckpointFile(dir, RL_CHECKPOINT_FILE, { method: c.method, search: c.search, rng: c.rng, policy, fingerprint: c.fingerprint });
}

/** Reads `path` (the checkpoint file, or a folder holding it directly or in checkpoint/). */
export function readRlCheckpoint(path: string): RlCheckpoint {
  const nested = join(path, 'checkpoint', RL_CHECKPOINT_FILE);
  const where = !path.endsWith('.json') && !existsSync(join(path, RL_CHECKPOINT_FILE)) && existsSync(nested) ? nested : path;
  return readCheckpointFile(where, RL_CHECKPOINT_FILE, (raw) => {
    const p = raw.policy as { params: unknown; target: unknown; optimizer: { kind: string; step: number; buffers: Record<string, unknown> } } | undefined;
    return {
      method: raw.method as 'rl' | 'random',
      search: raw.search as SearchState & { table: PromptTableState },
      rng: raw.rng as RngState,
      policy: p && {
        params: decodeArray(p.params, 'policy.params') as Float32Array,
        target: decodeArray(p.target, 'policy.target') as Float32Array,
        optimizer: { kind: p.optimizer.kind, step: p.optimizer.step, buffers: Object.fromEntries(Object.entries(p.optimizer.buffers).map(([k, v]) => [k, decodeArray(v, `optimizer.${k}`) as Float64Array])) },
      },
      fingerprint: raw.fingerprint as Record<string, string | number>,
    };
  });
}
