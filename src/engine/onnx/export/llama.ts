// LlamaForCausalLM (config.json + safetensors) → ONNX with plain ops only (fp32, opset 18), named
// as transformers.js expects: input_ids, attention_mask, position_ids, past_key_values.{i}.key|value
// → logits, present.{i}.key|value. GQA, RoPE in HF's rotate-half order, RMSNorm from elementary
// ops, SiLU-gated MLP, causal + padding mask, tied or separate LM head.
//
// Soft-prompt surgery relies on this: the token embedding lookup is ONE Gather whose data input is
// the initializer `model.embed_tokens.weight` and whose indices input is `input_ids`.
import { GraphBuilder } from '../builder';
import { lazyTensor, type OnnxModel } from '../ir';
import type { SafetensorsCheckpoint } from '../safetensors';
import { configInt, configNumber, ExportError, type HfConfig } from './hfConfig';
import { ropeInverseFrequencies } from './rope';

export interface LlamaShape {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  rmsEps: number;
  invFreq: Float32Array;
}

export interface DecoderExportOptions {
  /** Default true: KV-cache inputs past_key_values.* and outputs present.* (false: for training). */
  withPast?: boolean;
}

export const EMBED_TOKENS = 'model.embed_tokens.weight';

export function readLlamaShape(config: HfConfig): LlamaShape {
  const hidden = configInt(config, 'hidden_size');
  const heads = configInt(config, 'num_attention_heads');
  const kvHeads = configInt(config, 'num_key_value_heads', heads);
  if (heads % kvHeads !== 0) throw new ExportError(`${config.path}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  const headDim = configInt(config, 'head_dim', hidden / heads);
  const act = config.json['hidden_act'] ?? 'silu';
  if (act !== 'silu') throw new ExportError(`${config.path}: hidden_act ${JSON.stringify(act)} is not supported (only silu)`);
  return {
    hidden,
    intermediate: configInt(config, 'intermediate_size'),
    layers: configInt(config, 'num_hidden_layers'),
    heads,
    kvHeads,
    headDim,
    vocab: configInt(config, 'vocab_size'),
    rmsEps: configNumber(config, 'rms_norm_eps', 1e-6),
    invFreq: ropeInverseFrequencies(config, headDim),
  };
}

/** Builds the ONNX model of a Llama-family decoder from its config and checkpoint. */
export function exportLlama(config: HfConfig, weights: SafetensorsCheckpoint, options: DecoderExportOptions = {}): OnnxModel {
  const s = readLlamaShape(config);
  const withPast = options.withPast ?? true;
  const b = new GraphBuilder('llama');
  const { hidden: d, heads, kvHeads, headDim } = s;

  // Linear layer weights are stored [out, in]; MatMul wants [in, out], so they are transposed once here.
  // Matrices are lazy: read (and transposed) when the model is written out, one at a time.
  const linearWeight = (name: string, out: number, inp: number): string => {
    const load = weights.lazyFloat32(name, [out, inp]);
    return b.initializer(lazyTensor(`${name}.T`, 'float32', [inp, out], () => transpose(load(), out, inp)));
  };
  const vector = (name: string, n: number): string => b.initializer({ name, dataType: 'float32', dims: [n], data: weights.float32(name, [n]) });
  const linear = (x: string, prefix: string, out: number, inp: number): string => {
    const y = b.op('MatMul', [x, linearWeight(`${prefix}.weight`, out, inp)]);
    return weights.has(`${prefix}.bias`) ? b.op('Add', [y, vector(`${prefix}.bias`, out)]) : y;
  };

  const inputIds = b.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = b.input('attention_mask', 'int64', ['batch_size', withPast ? 'total_sequence_length' : 'sequence_length']);
  const positionIds = b.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const pastShape = ['batch_size', kvHeads, 'past_sequence_length', headDim];
  const past = Array.from({ length: withPast ? s.layers : 0 }, (_, i) => ({
    key: b.input(`past_key_values.${i}.key`, 'float32', pastShape),
    value: b.input(`past_key_values.${i}.value`, 'float32', pastShape),
  }));

  const table = b.initializer(lazyTensor(EMBED_TOKENS, 'float32', [s.vocab, d], weights.lazyFloat32(EMBED_TOKENS, [s.vocab, d])));
  let x = b.op('Gather', [table, inputIds], { axis: 0 }, { name: 'embed_tokens' });

  const { cos, sin } = rotaryTables(b, positionIds, s.invFreq);
  const maskBias = causalMaskBias(b, inputIds, attentionMask);
  const scale = b.constFloat([1 / Math.sqrt(headDim)], [], 'attn_scale');
  const eps = b.constFloat([s.rmsEps], [], 'rms_eps');

  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    const h = rmsNorm(b, x, vector(`${p}.input_layernorm.weight`, d), eps);
    const q = rotate(b, splitHeads(b, linear(h, `${p}.self_attn.q_proj`, heads * headDim, d), heads, headDim), cos, sin, headDim);
    let k = rotate(b, splitHeads(b, linear(h, `${p}.self_attn.k_proj`, kvHeads * headDim, d), kvHeads, headDim), cos, sin, headDim);
    let v = splitHeads(b, linear(h, `${p}.self_attn.v_proj`, kvHeads * headDim, d), kvHeads, headDim);
    if (withPast) {
      k = b.op('Concat', [past[i]!.key, k], { axis: 2 }, { output: `present.${i}.key` });
      v = b.op('Concat', [past[i]!.value, v], { axis: 2 }, { output: `present.${i}.value` });
    }
    const scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [repeatKv(b, k, heads / kvHeads, heads, headDim)], { perm: [0, 1, 3, 2] })]), scale]);
    const probs = b.op('Softmax', [b.op('Add', [scores, maskBias])], { axis: -1 });
    const context = b.op('MatMul', [probs, repeatKv(b, v, heads / kvHeads, heads, headDim)]);
    const merged = b.op('Reshape', [b.op('Transpose', [context], { perm: [0, 2, 1, 3] }), b.constInt64([0, 0, heads * headDim])]);
    x = b.op('Add', [x, linear(merged, `${p}.self_attn.o_proj`, d, heads * headDim)]);

    const h2 = rmsNorm(b, x, vector(`${p}.post_attention_layernorm.weight`, d), eps);
    const gate = linear(h2, `${p}.mlp.gate_proj`, s.intermediate, d);
    const up = linear(h2, `${p}.mlp.up_proj`, s.intermediate, d);
    const silu = b.op('Mul', [gate, b.op('Sigmoid', [gate])]);
    x = b.op('Add', [x, linear(b.op('Mul', [silu, up]), `${p}.mlp.down_proj`, d, s.intermediate)]);
  }
  const final = rmsNorm(b, x, vector('model.norm.weight', d), eps);

  // Untied checkpoints carry lm_head.weight; tied ones reuse the embedding table (transposed), so a
  // soft prompt spliced onto the Gather never becomes a vocabulary entry.
  // (A tied checkpoint that stores lm_head.weight anyway holds a copy of the table: same result.)
  const tied = !weights.has('lm_head.weight');
  const head = tied ? b.op('Transpose', [table], { perm: [1, 0] }) : linearWeight('lm_head.weight', s.vocab, d);
  b.op('MatMul', [final, head], {}, { output: 'logits' });

  b.output('logits', 'float32', ['batch_size', 'sequence_length', s.vocab]);
  const presentShape = ['batch_size', kvHeads, 'total_sequence_length', headDim];
  for (let i = 0; i < past.length; i++) {
    b.output(`present.${i}.key`, 'float32', presentShape);
    b.output(`present.${i}.value`, 'float32', presentShape);
  }
  return b.build({ producerName: 'promptsmith-export', metadata: { architecture: 'LlamaForCausalLM', with_past: String(withPast) } });
}

/** [rows, cols] → [cols, rows]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]!;
  }
  return out;
}

/** RMSNorm: x / sqrt(mean(x²) + eps) · weight, from elementary ops the autodiff knows. */
function rmsNorm(b: GraphBuilder, x: string, weight: string, eps: string): string {
  const meanSquare = b.op('ReduceMean', [b.op('Mul', [x, x]), b.constInt64([-1])], { keepdims: 1 });
  const rms = b.op('Sqrt', [b.op('Add', [meanSquare, eps])]);
  return b.op('Mul', [b.op('Div', [x, rms]), weight]);
}

/** [batch, seq, heads·headDim] → [batch, heads, seq, headDim]. */
function splitHeads(b: GraphBuilder, x: string, heads: number, headDim: number): string {
  return b.op('Transpose', [b.op('Reshape', [x, b.constInt64([0, 0, heads, headDim])])], { perm: [0, 2, 1, 3] });
}

/** GQA: [batch, kvHeads, T, hd] → [batch, kvHeads·rep, T, hd], head h reading kv head ⌊h/rep⌋ (HF repeat_kv). */
function repeatKv(b: GraphBuilder, x: string, rep: number, heads: number, headDim: number): string {
  if (rep === 1) return x;
  const expanded = b.op('Expand', [b.op('Unsqueeze', [x, b.constInt64([2])]), b.constInt64([1, 1, rep, 1, 1])]);
  return b.op('Reshape', [expanded, b.constInt64([0, heads, -1, headDim])]);
}

/** cos/sin tables [batch, 1, seq, headDim] from position_ids (HF: emb = cat(freqs, freqs)). */
function rotaryTables(b: GraphBuilder, positionIds: string, invFreq: Float32Array): { cos: string; sin: string } {
  const positions = b.op('Unsqueeze', [b.op('Cast', [positionIds], { to: 1 }), b.constInt64([-1])]);
  const freqs = b.op('Mul', [positions, b.constFloat(invFreq, [invFreq.length], 'rope_inv_freq')]);
  const emb = b.op('Unsqueeze', [b.op('Concat', [freqs, freqs], { axis: -1 }), b.constInt64([1])]);
  return { cos: b.op('Cos', [emb], {}, { name: 'rope_cos' }), sin: b.op('Sin', [emb], {}, { name: 'rope_sin' }) };
}

/** x·cos + rotate_half(x)·sin with rotate_half(x) = cat(−x₂, x₁) over the last axis. */
function rotate(b: GraphBuilder, x: string, cos: string, sin: string, headDim: number): string {
  const half = headDim / 2;
  const [x1, x2] = b.node('Split', [x, b.constInt64([half, half])], { axis: -1 }, { outputs: 2 });
  const rotated = b.op('Concat', [b.op('Neg', [x2!]), x1!], { axis: -1 });
  return b.op('Add', [b.op('Mul', [x, cos]), b.op('Mul', [rotated, sin])]);
}

/** Large negative added to masked scores; finite so fully masked (padding) rows stay NaN-free. */
const MASKED = -1e9;

/** A scalar int64 dimension of a value. */
function dimOf(b: GraphBuilder, x: string, axis: number): string {
  return b.op('Gather', [b.op('Shape', [x]), b.constInt64([axis], [])], { axis: 0 });
}

/**
 * Additive attention bias [batch, 1, seq, total]: key j is visible from query i when
 * j ≤ past + i (causal, past = total − seq) and attention_mask[b, j] = 1 (left or right padding).
 */
function causalMaskBias(b: GraphBuilder, inputIds: string, attentionMask: string): string {
  const seq = dimOf(b, inputIds, 1);
  const total = dimOf(b, attentionMask, 1);
  const one = b.constInt64([1], []);
  const keys = b.op('Unsqueeze', [b.op('Range', [b.constInt64([0], []), total, one]), b.constInt64([0])]);
  const queries = b.op('Unsqueeze', [b.op('Range', [b.op('Sub', [total, seq]), total, one]), b.constInt64([1])]);
  const causal = b.op('Unsqueeze', [b.op('LessOrEqual', [keys, queries]), b.constInt64([0, 1])]);
  const notPadding = b.op('Unsqueeze', [b.op('Cast', [attentionMask], { to: 9 }), b.constInt64([1, 2])]);
  const visible = b.op('And', [causal, notPadding]);
  return b.op('Where', [visible, b.constFloat([0], []), b.constFloat([MASKED], [])], {}, { name: 'attention_bias' });
}
