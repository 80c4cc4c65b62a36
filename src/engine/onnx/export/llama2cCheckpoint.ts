// llama2.c checkpoint → HF Llama tensors. Two float32 formats of llama2.c's export.py:
// - legacy "version 0" (`stories260k.bin`): header of 7 int32 (dim, hidden_dim, n_layers, n_heads,
//   n_kv_heads, vocab_size, seq_len), a negative vocab_size meaning the classifier is not shared;
//   then the tensors (see `layout`), two RoPE tables, and the classifier if unshared.
// - "version 1": a 256-byte header (uint32 magic "ak42", int32 version, the same 7 int32, uint8
//   shared_classifier), then the norms first, the matrices, and the classifier if unshared.
// Matrices are [out, in] in both. Version 2 (int8 Q8_0) is rejected with a clear error.
import { ExportError } from './hfConfig';

export interface Llama2cConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  sharedClassifier: boolean;
  /** 0 (legacy) or 1. */
  version: number;
  /** Bytes before the first tensor. */
  headerBytes: number;
}

export interface NamedTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

const HEADER_BYTES = 7 * 4;
/** llama2.c's newer export formats start with this magic ("ak42") and a 256-byte header. */
const VERSIONED_MAGIC = 0x616b3432;
const VERSIONED_HEADER_BYTES = 256;

export function parseLlama2cHeader(bytes: Uint8Array, source: string): Llama2cConfig {
  if (bytes.byteLength < HEADER_BYTES) throw new ExportError(`${source}: truncated llama2.c checkpoint (${bytes.byteLength} bytes, header needs ${HEADER_BYTES})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const versioned = view.getUint32(0, true) === VERSIONED_MAGIC;
  let version = 0;
  if (versioned) {
    if (bytes.byteLength < VERSIONED_HEADER_BYTES) throw new ExportError(`${source}: truncated llama2.c checkpoint (${bytes.byteLength} bytes, header needs ${VERSIONED_HEADER_BYTES})`);
    version = view.getInt32(4, true);
    if (version !== 1) throw new ExportError(`${source}: llama2.c export format version ${version} is not supported (only float32 versions 0 and 1)`);
  }
  const base = versioned ? 8 : 0;
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = Array.from({ length: 7 }, (_, i) => view.getInt32(base + i * 4, true));
  const config: Llama2cConfig = {
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize: Math.abs(rawVocab),
    seqLen,
    sharedClassifier: versioned ? bytes[base + 28] === 1 : rawVocab > 0,
    version,
    headerBytes: versioned ? VERSIONED_HEADER_BYTES : HEADER_BYTES,
  };
  const positive = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: config.vocabSize, seqLen };
  for (const [field, value] of Object.entries(positive)) {
    if (!(value > 0 && value < 1 << 24)) throw new ExportError(`${source}: header field ${field} = ${value} is not a plausible size (not a llama2.c checkpoint?)`);
  }
  if (dim % nHeads !== 0 || nHeads % nKvHeads !== 0 || (dim / nHeads) % 2 !== 0) {
    throw new ExportError(`${source}: header dims inconsistent (dim ${dim}, n_heads ${nHeads}, n_kv_heads ${nKvHeads})`);
  }
  return config;
}

interface Slot {
  key: string;
  perLayer: boolean;
  dims: number[];
}

/** The tensors of the file in order, with their per-layer dims. */
function layout(c: Llama2cConfig): Slot[] {
  const headSize = c.dim / c.nHeads;
  const kvDim = headSize * c.nKvHeads;
  const slot = (key: string, perLayer: boolean, dims: number[]): Slot => ({ key, perLayer, dims });
  const embedding = slot('token_embedding', false, [c.vocabSize, c.dim]);
  const matrices = [
    slot('wq', true, [c.dim, c.dim]),
    slot('wk', true, [kvDim, c.dim]),
    slot('wv', true, [kvDim, c.dim]),
    slot('wo', true, [c.dim, c.dim]),
  ];
  const ffn = [slot('w1', true, [c.hiddenDim, c.dim]), slot('w2', true, [c.dim, c.hiddenDim]), slot('w3', true, [c.hiddenDim, c.dim])];
  const norms = [slot('rms_att', true, [c.dim]), slot('rms_ffn', true, [c.dim]), slot('rms_final', false, [c.dim])];
  const slots =
    c.version === 1
      ? [...norms, embedding, ...matrices, ...ffn]
      : [
          embedding,
          norms[0],
          ...matrices,
          norms[1],
          ...ffn,
          norms[2],
          slot('freq_cis_real', false, [c.seqLen, headSize / 2]),
          slot('freq_cis_imag', false, [c.seqLen, headSize / 2]),
        ];
  if (!c.sharedClassifier) slots.push(slot('wcls', false, [c.vocabSize, c.dim]));
  return slots;
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * llama2.c (like Meta's checkpoints) rotates adjacent pairs (2i, 2i+1) of each head; HF Llama
 * rotates halves (i, i + head/2). Row h·hd + 2i + p moves to row h·hd + p·hd/2 + i.
 */
export function permuteRotaryRows(w: Float32Array, nHeads: number, rows: number, cols: number): Float32Array {
  const headDim = rows / nHeads;
  const half = headDim / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let p = 0; p < 2; p++) {
        const from = (h * headDim + 2 * i + p) * cols;
        const to = (h * headDim + p * half + i) * cols;
        out.set(w.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** Reads every weight and renames it to HF Llama names (q/k rows permuted to rotate-half order). */
export function llama2cToHfTensors(bytes: Uint8Array, source: string): { config: Llama2cConfig; tensors: NamedTensor[] } {
  const config = parseLlama2cHeader(bytes, source);
  const slots = layout(config);
  const floats = slots.reduce((n, s) => n + size(s.dims) * (s.perLayer ? config.nLayers : 1), 0);
  const expected = config.headerBytes + floats * 4;
  if (bytes.byteLength !== expected) {
    const what = bytes.byteLength < expected ? 'truncated' : 'has trailing bytes';
    throw new ExportError(`${source}: ${what}: ${bytes.byteLength} bytes, the version ${config.version} header (dim ${config.dim}, ${config.nLayers} layers, vocab ${config.vocabSize}) implies ${expected}`);
  }
  // An aligned copy (a Buffer's slice() would be a view into a shared, offset pool).
  const all = new Float32Array(new Uint8Array(bytes.subarray(config.headerBytes)).buffer);
  const raw = new Map<string, Float32Array[]>();
  let at = 0;
  for (const slot of slots) {
    const n = size(slot.dims);
    const parts: Float32Array[] = [];
    for (let l = 0; l < (slot.perLayer ? config.nLayers : 1); l++, at += n) parts.push(all.slice(at, at + n));
    raw.set(slot.key, parts);
  }
  const get = (key: string, layer = 0) => raw.get(key)![layer];
  const kvDim = (config.dim / config.nHeads) * config.nKvHeads;
  const tensors: NamedTensor[] = [{ name: 'model.embed_tokens.weight', dims: [config.vocabSize, config.dim], data: get('token_embedding') }];
  for (let l = 0; l < config.nLayers; l++) {
    const p = `model.layers.${l}.`;
    tensors.push(
      { name: `${p}input_layernorm.weight`, dims: [config.dim], data: get('rms_att', l) },
      { name: `${p}self_attn.q_proj.weight`, dims: [config.dim, config.dim], data: permuteRotaryRows(get('wq', l), config.nHeads, config.dim, config.dim) },
      { name: `${p}self_attn.k_proj.weight`, dims: [kvDim, config.dim], data: permuteRotaryRows(get('wk', l), config.nKvHeads, kvDim, config.dim) },
      { name: `${p}self_attn.v_proj.weight`, dims: [kvDim, config.dim], data: get('wv', l) },
      { name: `${p}self_attn.o_proj.weight`, dims: [config.dim, config.dim], data: get('wo', l) },
      { name: `${p}post_attention_layernorm.weight`, dims: [config.dim], data: get('rms_ffn', l) },
      { name: `${p}mlp.gate_proj.weight`, dims: [config.hiddenDim, config.dim], data: get('w1', l) },
      { name: `${p}mlp.down_proj.weight`, dims: [config.dim, config.hiddenDim], data: get('w2', l) },
      { name: `${p}mlp.up_proj.weight`, dims: [config.hiddenDim, config.dim], data: get('w3', l) },
    );
  }
  tensors.push({ name: 'model.norm.weight', dims: [config.dim], data: get('rms_final') });
  if (!config.sharedClassifier) tensors.push({ name: 'lm_head.weight', dims: [config.vocabSize, config.dim], data: get('wcls') });
  return { config, tensors };
}

/** config.json (LlamaForCausalLM) for a llama2.c model: RMSNorm eps 1e-5 and RoPE theta 10000 are llama2.c's constants. */
export function llama2cHfConfig(c: Llama2cConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: c.dim,
    intermediate_size: c.hiddenDim,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.dim / c.nHeads,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.seqLen,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    rope_scaling: null,
    hidden_act: 'silu',
    tie_word_embeddings: c.sharedClassifier,
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    pretraining_tp: 1,
    initializer_range: 0.02,
    use_cache: true,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'float32',
  };
}
