// RL prompt tuning checkpoints: everything a search needs to continue exactly as if never
// stopped — the policy MLP, its target network, Adam's moments, the RNG, the prompt table, the
// step and the evaluation count (random search: no networks). One safetensors file, as fine
// tuning writes (tensorCheckpoint.ts): the arrays as tensors (bit-exact), the rest as JSON in its
// metadata, replaced atomically. (The arrays as base64 in one JSON file made a stories260k checkpoint 8.5 MB of
// text to encode, write, read and parse at every evaluation: 1.4 of a 7 s test's seconds.)
// Checkpoints of the earlier JSON format are still read.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TensorToWrite } from '../../onnx/safetensors';
import { decodeArray, readCheckpointFile } from '../checkpointFile';
import type { OptimizerState } from '../optim/optimizer';
import type { RngState } from '../optim/rng';
import type { PromptTableState } from './promptTable';
import type { SearchState } from './searchLoop';
import { readTensorCheckpoint, writeTensorCheckpoint } from '../tensorCheckpoint';

export const RL_CHECKPOINT_FILE = 'rlprompt-checkpoint.safetensors';
/** The format before: one JSON file, arrays as base64. */
const RL_JSON_CHECKPOINT_FILE = 'rlprompt-checkpoint.json';
const FORMAT = { name: 'promptsmith-rlprompt', what: 'RL prompt tuning' };

export interface RlCheckpoint {
  method: 'rl' | 'random';
  search: SearchState;
  rng: RngState;
  policy?: { params: Float32Array; target: Float32Array; optimizer: OptimizerState };
  /** Settings that must match for a resume to continue the same run. */
  fingerprint: Record<string, string | number>;
}

/** What the metadata carries besides the tensors (the optimizer's buffers are tensors, named here). */
interface SavedState {
  method: RlCheckpoint['method'];
  search: SearchState;
  rng: RngState;
  optimizer?: { kind: string; step: number; buffers: string[] };
  fingerprint: RlCheckpoint['fingerprint'];
}

export function writeRlCheckpoint(dir: string, c: RlCheckpoint): string {
  const tensors: TensorToWrite[] = [];
  if (c.policy) {
    tensors.push({ name: 'policy.params', dtype: 'F32', shape: [c.policy.params.length], data: c.policy.params });
    tensors.push({ name: 'policy.target', dtype: 'F32', shape: [c.policy.target.length], data: c.policy.target });
    for (const [k, v] of Object.entries(c.policy.optimizer.buffers)) tensors.push({ name: `optimizer.${k}`, dtype: 'F64', shape: [v.length], data: v });
  }
  const optimizer = c.policy && { kind: c.policy.optimizer.kind, step: c.policy.optimizer.step, buffers: Object.keys(c.policy.optimizer.buffers) };
  const state: SavedState = { method: c.method, search: c.search, rng: c.rng, optimizer, fingerprint: c.fingerprint };
  return writeTensorCheckpoint(dir, RL_CHECKPOINT_FILE, FORMAT, state, tensors);
}

/** The checkpoint file of `path`: the file itself, or a folder holding it directly or in checkpoint/ (either format). */
function checkpointFileIn(path: string): string {
  if (path.endsWith('.safetensors') || path.endsWith('.json')) return path;
  for (const dir of [path, join(path, 'checkpoint')]) {
    for (const name of [RL_CHECKPOINT_FILE, RL_JSON_CHECKPOINT_FILE]) if (existsSync(join(dir, name))) return join(dir, name);
  }
  return join(path, RL_CHECKPOINT_FILE);
}

/** Reads `path` (the checkpoint file, or a folder holding it directly or in checkpoint/); errors name the file. */
export function readRlCheckpoint(path: string): RlCheckpoint {
  const file = checkpointFileIn(path);
  if (file.endsWith('.json')) return readJsonRlCheckpoint(file);
  if (!existsSync(file)) throw new Error(`${file}: no checkpoint here`);
  return readTensorCheckpoint<SavedState, RlCheckpoint>(file, FORMAT, ({ state: s, vector }) => {
    const o = s.optimizer;
    return {
      method: s.method,
      search: s.search,
      rng: s.rng,
      policy: o && {
        params: vector('policy.params', 'F32'),
        target: vector('policy.target', 'F32'),
        optimizer: { kind: o.kind, step: o.step, buffers: Object.fromEntries(o.buffers.map((k) => [k, vector(`optimizer.${k}`, 'F64')])) },
      },
      fingerprint: s.fingerprint,
    };
  });
}

function readJsonRlCheckpoint(file: string): RlCheckpoint {
  return readCheckpointFile(file, RL_JSON_CHECKPOINT_FILE, (raw) => {
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
