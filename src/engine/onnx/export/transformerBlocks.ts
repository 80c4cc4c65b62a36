// Graph pieces shared by the GPT-2 and BERT exporters: weights checked against their expected
// shapes, LayerNorm, linear layers, GELU variants, multi-head attention and attention masks.
// Plain ONNX ops only (opset 18), so the autodiff can differentiate every node.
import type { GraphBuilder } from '../builder';
import { lazyTensor } from '../ir';
import { ExportError } from './hfConfig';

/** What the exporters need from a checkpoint (SafetensorsCheckpoint provides it). */
export interface TensorLookup {
  has(name: string): boolean;
  /** A float32 copy, its shape checked against `shape`. */
  float32(name: string, shape?: number[]): Float32Array;
  /** The shape checked now; the returned function reads a float32 copy each call. Optional:
   * without it the tensor is read at once. */
  lazyFloat32?(name: string, shape?: number[]): () => Float32Array;
}

/** Checkpoint weights looked up by HF name, with or without a prefix some checkpoints omit. */
export class WeightSet {
  constructor(
    private readonly tensors: TensorLookup,
    /** Names the checkpoint in errors. */
    readonly source: string,
    /** Optional prefix that some checkpoints omit (`transformer.`, `bert.`). */
    private readonly prefix = '',
  ) {}

  /** The stored name of `name`, trying it with and without the prefix. */
  resolve(name: string): string | undefined {
    if (this.tensors.has(name)) return name;
    if (this.prefix && name.startsWith(this.prefix) && this.tensors.has(name.slice(this.prefix.length))) return name.slice(this.prefix.length);
    return undefined;
  }

  /** The tensor `name` (or the first of `aliases` present), checked against `dims`. */
  take(name: string, dims: number[], ...aliases: string[]): Float32Array {
    return this.lazy(name, dims, ...aliases)();
  }

  /** As `take`, checked now, read each time the returned function is called. */
  lazy(name: string, dims: number[], ...aliases: string[]): () => Float32Array {
    const stored = [name, ...aliases].map((n) => this.resolve(n)).find((n) => n !== undefined);
    if (stored === undefined) throw new ExportError(`${this.source}: missing tensor '${name}'`);
    if (this.tensors.lazyFloat32) return this.tensors.lazyFloat32(stored, dims);
    const data = this.tensors.float32(stored, dims);
    return () => data;
  }
}

/** Adds a float32 initializer with an exact name: given as a function, a lazy one (read when written out). */
export function weight(b: GraphBuilder, name: string, dims: number[], data: Float32Array | (() => Float32Array)): string {
  return b.initializer(typeof data === 'function' ? lazyTensor(name, 'float32', dims, data) : { name, dataType: 'float32', dims, data });
}

/** [rows, cols] → [cols, rows] (torch Linear weights are [out, in]; MatMul wants [in, out]). */
export function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

export function layerNorm(b: GraphBuilder, x: string, scale: string, bias: string, epsilon: number): string {
  return b.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { type: 'float', value: epsilon } });
}

/** x · W + bias with W already [in, out]. */
export function linear(b: GraphBuilder, x: string, w: string, bias?: string): string {
  const y = b.op('MatMul', [x, w]);
  return bias ? b.op('Add', [y, bias]) : y;
}

export type Activation = 'gelu' | 'gelu_new' | 'relu';

/** Maps HF `activation_function`/`hidden_act` names to the formula used. */
export function activationKind(name: unknown, source: string, field: string): Activation {
  switch (name) {
    case 'gelu':
      return 'gelu';
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return 'gelu_new';
    case 'relu':
      return 'relu';
    default:
      throw new ExportError(`${source}: field '${field}' = ${JSON.stringify(name)} is not a supported activation (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)`);
  }
}

/** GELU: erf form `x·(1+erf(x/√2))/2`, or the tanh approximation `x·(1+tanh(√(2/π)(x+0.044715x³)))/2`. */
export function activation(b: GraphBuilder, x: string, kind: Activation): string {
  if (kind === 'relu') return b.op('Relu', [x]);
  let inner: string;
  if (kind === 'gelu') {
    inner = b.op('Erf', [b.op('Mul', [x, b.constFloat([Math.SQRT1_2], [])])]);
  } else {
    const cube = b.op('Mul', [b.op('Mul', [x, x]), x]);
    const poly = b.op('Add', [x, b.op('Mul', [cube, b.constFloat([0.044715], [])])]);
    inner = b.op('Tanh', [b.op('Mul', [poly, b.constFloat([Math.sqrt(2 / Math.PI)], [])])]);
  }
  const onePlus = b.op('Add', [inner, b.constFloat([1], [])]);
  return b.op('Mul', [b.op('Mul', [x, onePlus]), b.constFloat([0.5], [])]);
}

/** [batch, seq, heads·headDim] → [batch, heads, seq, headDim]. */
export function splitHeads(b: GraphBuilder, x: string, heads: number, headDim: number): string {
  const r = b.op('Reshape', [x, b.constInt64([0, 0, heads, headDim])]);
  return b.op('Transpose', [r], { perm: [0, 2, 1, 3] });
}

/** [batch, heads, seq, headDim] → [batch, seq, heads·headDim]. */
export function mergeHeads(b: GraphBuilder, x: string, hidden: number): string {
  const t = b.op('Transpose', [x], { perm: [0, 2, 1, 3] });
  return b.op('Reshape', [t, b.constInt64([0, 0, hidden])]);
}

/** softmax(q·kᵀ·scale + maskBias)·v over [batch, heads, ·, headDim] tensors (scale usually 1/√headDim). */
export function attention(b: GraphBuilder, q: string, k: string, v: string, maskBias: string, scale: number): string {
  const scores = b.op('MatMul', [q, b.op('Transpose', [k], { perm: [0, 1, 3, 2] })]);
  const scaled = b.op('Mul', [scores, b.constFloat([scale], [])]);
  const probs = b.op('Softmax', [b.op('Add', [scaled, maskBias])], { axis: -1 });
  return b.op('MatMul', [probs, v]);
}

/** Large negative added to masked scores (finite, so a fully masked padding row stays NaN-free). */
const MASKED = -1e9;

/** A scalar int64 dimension of a value. */
function dim(b: GraphBuilder, x: string, axis: number): string {
  return b.op('Gather', [b.op('Shape', [x]), b.constInt64([axis], [])], { axis: 0 });
}

/**
 * Additive attention bias [batch, 1, seq, total] for a decoder: key j is visible from query i
 * when j ≤ past + i (causal) and attention_mask[b, j] = 1 (padding, left or right).
 */
export function causalMaskBias(b: GraphBuilder, inputIds: string, attentionMask: string): string {
  const seq = dim(b, inputIds, 1);
  const total = dim(b, attentionMask, 1);
  const past = b.op('Sub', [total, seq]);
  const one = b.constInt64([1], []);
  const keys = b.op('Unsqueeze', [b.op('Range', [b.constInt64([0], []), total, one]), b.constInt64([0])]);
  const queries = b.op('Unsqueeze', [b.op('Range', [past, total, one]), b.constInt64([1])]);
  const causal = b.op('LessOrEqual', [keys, queries]);
  const padding = b.op('Unsqueeze', [b.op('Cast', [attentionMask], { to: 9 }), b.constInt64([1, 2])]);
  const allowed = b.op('And', [b.op('Unsqueeze', [causal, b.constInt64([0, 1])]), padding]);
  return b.op('Where', [allowed, b.constFloat([0], []), b.constFloat([MASKED], [])]);
}

/** Additive attention bias [batch, 1, 1, seq] for an encoder: padding only. */
export function paddingMaskBias(b: GraphBuilder, attentionMask: string): string {
  const keep = b.op('Unsqueeze', [b.op('Cast', [attentionMask], { to: 9 }), b.constInt64([1, 2])]);
  return b.op('Where', [keep, b.constFloat([0], []), b.constFloat([MASKED], [])]);
}
