// Test helpers: run exported decoders in a real ORT session, whole sequences or token by token
// with the KV cache, and compare logits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ort, type OrtSession, type OrtTensor } from '../../../src/engine/runtime/ort';

export function readConfig(dir: string): Record<string, number> {
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
}

export function openSession(dir: string): Promise<OrtSession> {
  return ort().InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
}

export function int64(rows: number[][]): OrtTensor {
  return new (ort().Tensor)('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
}

/** KV cache geometry of a decoder from its config.json (GPT-2 or Llama names). */
export function cacheShape(config: Record<string, number>): { layers: number; kvHeads: number; headDim: number } {
  const layers = config.n_layer ?? config.num_hidden_layers;
  const heads = config.n_head ?? config.num_attention_heads;
  const hidden = config.n_embd ?? config.hidden_size;
  return { layers, kvHeads: config.num_key_value_heads ?? heads, headDim: config.head_dim ?? hidden / heads };
}

export interface Logits {
  data: Float32Array;
  dims: readonly number[];
}

/** transformers.js position ids: cumsum(mask) − 1, padding positions set to 1. */
export function positionsFor(mask: number[][], past = 0): number[][] {
  return mask.map((row) => {
    let seen = 0;
    return row.map((m) => (m ? seen++ : 1)).slice(past);
  });
}

/** One full forward pass (empty past) over a batch; mask defaults to all ones. */
export async function runFull(session: OrtSession, config: Record<string, number>, ids: number[][], mask?: number[][]): Promise<Logits> {
  const m = mask ?? ids.map((r) => r.map(() => 1));
  const { layers, kvHeads, headDim } = cacheShape(config);
  const Tensor = ort().Tensor;
  const feeds: Record<string, OrtTensor> = { input_ids: int64(ids), attention_mask: int64(m), position_ids: int64(positionsFor(m)) };
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) feeds[`past_key_values.${i}.${kind}`] = new Tensor('float32', new Float32Array(0), [ids.length, kvHeads, 0, headDim]);
  }
  const out = await session.run(feeds);
  return { data: out.logits.data as Float32Array, dims: out.logits.dims };
}

/** Feeds `ids` one token at a time through the KV cache; returns the logits row of each step. */
export async function runIncremental(session: OrtSession, config: Record<string, number>, ids: number[]): Promise<Float32Array[]> {
  const { layers, kvHeads, headDim } = cacheShape(config);
  const Tensor = ort().Tensor;
  let past: Record<string, OrtTensor> = {};
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) past[`past_key_values.${i}.${kind}`] = new Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
  }
  const rows: Float32Array[] = [];
  for (let t = 0; t < ids.length; t++) {
    const mask = [Array.from({ length: t + 1 }, () => 1)];
    const out = await session.run({ ...past, input_ids: int64([[ids[t]]]), attention_mask: int64(mask), position_ids: int64([[t]]) });
    rows.push(Float32Array.from(out.logits.data as Float32Array));
    const next: Record<string, OrtTensor> = {};
    for (let i = 0; i < layers; i++) {
      for (const kind of ['key', 'value']) next[`past_key_values.${i}.${kind}`] = out[`present.${i}.${kind}`];
    }
    assert.deepEqual(out['present.0.key'].dims, [1, kvHeads, t + 1, headDim]);
    past = next;
  }
  return rows;
}

/** Row `t` of batch item `b` of [batch, seq, vocab] logits. */
export function row(logits: Logits, b: number, t: number): Float32Array {
  const [, seq, vocab] = logits.dims;
  const start = (b * seq + t) * vocab;
  return logits.data.subarray(start, start + vocab);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Asserts |a − b| ≤ tol elementwise, with the worst difference in the message. */
export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  const diff = maxAbsDiff(a, b);
  assert.ok(diff <= tol, `${what}: max |diff| ${diff.toExponential(2)} > ${tol}`);
}
