// RL prompt tuning checkpoints: everything a search needs to continue exactly as if never
// stopped — the policy MLP, its target network, Adam's moments, the RNG, the prompt table, the
// step and the evaluation count (random search: no networks). One safetensors file, as fine
// tuning writes: the arrays as tensors (bit-exact), the rest as JSON in its metadata, replaced
// atomically. (The arrays as base64 in one JSON file made a stories260k checkpoint 8.5 MB of
// text to encode, write, read and parse at every evaluation: 1.4 of a 7 s test's seconds.)
// Checkpoints of the earlier JSON format are still read.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, type TensorToWrite, writeSafetensors } from '../../onnx/safetensors';
import { decodeArray, readCheckpointFile } from '../checkpointFile';
import type { OptimizerState } from '../optim/optimizer';
import type { RngState } from '../optim/rng';
import type { PromptTableState } from './promptTable';
import type { SearchState } from './searchLoop';

export const RL_CHECKPOINT_FILE = 'rlprompt-checkpoint.safetensors';
/** The format before: one JSON file, arrays as base64. */
const RL_JSON_CHECKPOINT_FILE = 'rlprompt-checkpoint.json';
const FORMAT = 'promptsmith-rlprompt';
const VERSION = 1;

export interface RlCheckpoint {
  method: 'rl' | 'random';
  search: SearchState;
  rng: RngState;
  policy?: { params: Float32Array; target: Float32Array; optimizer: OptimizerState };
  /** Settings that must match for a resume to continue the same run. */
  fingerprint: Record<string, string | number>;
}

export function writeRlCheckpoint(dir: string, c: RlCheckpoint): string {
  const tensors: TensorToWrite[] = [];
  if (c.policy) {
    tensors.push({ name: 'policy.params', dtype: 'F32', shape: [c.policy.params.length], data: c.policy.params });
    tensors.push({ name: 'policy.target', dtype: 'F32', shape: [c.policy.target.length], data: c.policy.target });
    for (const [k, v] of Object.entries(c.policy.optimizer.buffers)) tensors.push({ name: `optimizer.${k}`, dtype: 'F64', shape: [v.length], data: v });
  }
  const optimizer = c.policy && { kind: c.policy.optimizer.kind, step: c.policy.optimizer.step, buffers: Object.keys(c.policy.optimizer.buffers) };
  const state = { version: VERSION, method: c.method, search: c.search, rng: c.rng, optimizer, fingerprint: c.fingerprint };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RL_CHECKPOINT_FILE);
  writeSafetensors(file, tensors, { format: FORMAT, state: JSON.stringify(state) });
  return file;
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
  const st = readSafetensors(file);
  try {
    if (st.metadata.format !== FORMAT || typeof st.metadata.state !== 'string') throw new Error('not a Promptsmith RL prompt tuning checkpoint');
    const s = JSON.parse(st.metadata.state);
    if (s.version !== VERSION) throw new Error(`unsupported checkpoint version ${JSON.stringify(s.version)}`);
    const tensor = <T extends Float32Array | Float64Array>(name: string, dtype: 'F32' | 'F64'): T => {
      const e = st.entry(name);
      if (e.dtype !== dtype || e.shape.length !== 1) throw new Error(`tensor '${name}' is ${e.dtype} [${e.shape}], expected a ${dtype} vector`);
      const bytes = e.bytes.buffer.slice(e.bytes.byteOffset, e.bytes.byteOffset + e.bytes.byteLength);
      return (dtype === 'F32' ? new Float32Array(bytes) : new Float64Array(bytes)) as T;
    };
    const o = s.optimizer as { kind: string; step: number; buffers: string[] } | undefined;
    return {
      method: s.method,
      search: s.search,
      rng: s.rng,
      policy: o && {
        params: tensor<Float32Array>('policy.params', 'F32'),
        target: tensor<Float32Array>('policy.target', 'F32'),
        optimizer: { kind: o.kind, step: o.step, buffers: Object.fromEntries(o.buffers.map((k) => [k, tensor<Float64Array>(`optimizer.${k}`, 'F64')])) },
      },
      fingerprint: s.fingerprint,
    };
  } catch (err) {
    throw new Error(`${file}: bad checkpoint (${(err as Error).message})`);
  }
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
