// RL prompt tuning checkpoints: everything a search needs to continue exactly as if never
// stopped — the policy MLP, its target network, Adam's moments, the RNG, the prompt table, the
// step and the evaluation count (random search: no networks). One JSON file, float arrays as
// base64 of their bytes (bit-exact), replaced atomically.
import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OptimizerState } from '../optim/optimizer';
import type { RngState } from '../optim/rng';
import { decodeArray, encodeArray, writeJsonFileAtomic } from '../softprompt/checkpoint';
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
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RL_CHECKPOINT_FILE);
  const policy = c.policy && {
    params: encodeArray(c.policy.params),
    target: encodeArray(c.policy.target),
    optimizer: { kind: c.policy.optimizer.kind, step: c.policy.optimizer.step, buffers: Object.fromEntries(Object.entries(c.policy.optimizer.buffers).map(([k, v]) => [k, encodeArray(v)])) },
  };
  writeJsonFileAtomic(file, { version: 1, method: c.method, search: c.search, rng: c.rng, policy, fingerprint: c.fingerprint });
  return file;
}

/** Reads `path` (the checkpoint file, or a folder holding it directly or in checkpoint/). */
export function readRlCheckpoint(path: string): RlCheckpoint {
  const candidates = path.endsWith('.json') ? [path] : [join(path, RL_CHECKPOINT_FILE), join(path, 'checkpoint', RL_CHECKPOINT_FILE)];
  let raw: Record<string, unknown> | undefined;
  let file = candidates[0]!;
  for (const f of candidates) {
    try {
      raw = JSON.parse(readFileSync(f, 'utf8'));
      file = f;
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${f}: unreadable RL checkpoint (${(err as Error).message})`);
    }
  }
  if (!raw) throw new Error(`${path}: no RL prompt tuning checkpoint here (${RL_CHECKPOINT_FILE})`);
  try {
    if (raw.version !== 1) throw new Error(`unsupported checkpoint version ${JSON.stringify(raw.version)}`);
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
  } catch (err) {
    throw new Error(`${file}: bad RL checkpoint (${(err as Error).message})`);
  }
}
