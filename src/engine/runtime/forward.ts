// One forward pass of an ONNX language model with the transformers.js names: inputs input_ids,
// attention_mask, optional position_ids / token_type_ids, past_key_values.{i}.key|value; outputs
// logits and present.{i}.key|value. The names are discovered from the session, and an empty past
// is filled in for a fresh sequence, so the same code runs GPT-2, Llama and BERT exports.
import { LOGITS_POSITIONS } from '../onnx/scoredPositions';
import { float16ToFloat32 } from '../onnx/tensorTypes';
import { RuntimeError } from './errors';
import { float32Tensor, inputShapes, int64Tensor, ort, type OrtFeeds, type OrtSession, type OrtTensor, toInt64Array } from './ort';

export interface ModelIo {
  hasAttentionMask: boolean;
  hasPositionIds: boolean;
  hasTokenTypeIds: boolean;
  /** Older merged decoders (decoder_model_merged.onnx) switch the cache on with a bool input. */
  hasUseCacheBranch: boolean;
  /** The graph takes logits_positions (onnx/scoredPositions.ts): the LM head runs where asked. */
  hasLogitsPositions: boolean;
  /** past_key_values.{i}.key / .value input names, in layer order (empty without a KV cache). */
  pastInputs: string[];
  /** present.{i}.key / .value output names matching pastInputs one to one. */
  presentOutputs: string[];
  pastType: 'float32' | 'float16';
  kvHeads: number;
  headDim: number;
}

/** The KV cache after a pass: tensors in pastInputs order, [batch, kvHeads, length, headDim]. */
export interface KvCache {
  tensors: OrtTensor[];
  length: number;
}

export interface ForwardInput {
  /** Token ids, one row per sequence, all rows the same length. */
  ids: readonly (readonly number[])[];
  /** 1 = real token, 0 = padding; covers past + new tokens. Default: all ones. */
  attentionMask?: readonly (readonly number[])[];
  /** Default: continues from each row's count of real past tokens. */
  positionIds?: readonly (readonly number[])[];
  past?: KvCache;
  /** Set false when only logits are needed (scoring): the present.* tensors are not copied out. */
  wantPresent?: boolean;
  /** Further graph outputs to fetch (e.g. a hidden state exposed by graph surgery). */
  extraOutputs?: readonly string[];
  /**
   * Only the log-probabilities at these flat positions (b · seq + t, over the new tokens) are
   * wanted: the output is then [1, n, vocab], row k for logitsAt[k], log-softmax normalised. A
   * graph with logits_positions computes just those rows, normalised in the graph; for another
   * one all logits are computed and the rows are picked out and normalised here.
   */
  logitsAt?: readonly number[];
}

export interface ForwardOutput {
  /** Float32 logits [batch, seq, vocab]; with logitsAt, log-probabilities [1, n, vocab]. */
  logits: Float32Array;
  batch: number;
  seq: number;
  vocab: number;
  /** Present KV (undefined for models without a cache). */
  present?: KvCache;
  /** The tensors named in `extraOutputs`. */
  extra: Record<string, OrtTensor>;
}

const ioCache = new WeakMap<OrtSession, ModelIo>();

function symbolicOr(value: number | string | undefined, fallback: number | undefined, what: string, file: string): number {
  if (typeof value === 'number' && value > 0) return value;
  if (fallback !== undefined && fallback > 0) return fallback;
  throw new RuntimeError('E_BAD_MODEL', `${file}: cannot tell the KV cache ${what} (not in the graph or config.json)`);
}

/** Reads and checks a session's inputs/outputs; a model whose names don't fit is an error naming the file. */
export function describeModel(session: OrtSession, config: Record<string, unknown>, file: string): ModelIo {
  const known = ioCache.get(session);
  if (known) return known;
  const inputs = session.inputNames;
  const outputs = session.outputNames;
  if (!inputs.includes('input_ids')) throw new RuntimeError('E_BAD_MODEL', `${file}: the model has no 'input_ids' input (inputs: ${inputs.join(', ')})`);
  if (!outputs.includes('logits')) throw new RuntimeError('E_BAD_MODEL', `${file}: the model has no 'logits' output (outputs: ${outputs.join(', ')})`);
  const allowed = new Set(['input_ids', 'attention_mask', 'position_ids', 'token_type_ids', 'use_cache_branch', LOGITS_POSITIONS]);
  const pastInputs = inputs.filter((n) => n.startsWith('past_key_values.'));
  const unknown = inputs.filter((n) => !allowed.has(n) && !n.startsWith('past_key_values.'));
  if (unknown.length > 0) throw new RuntimeError('E_BAD_MODEL', `${file}: unexpected model inputs ${unknown.join(', ')} (expected input_ids, attention_mask, position_ids, past_key_values.*)`);
  const presentOutputs = pastInputs.map((n) => n.replace(/^past_key_values\./, 'present.'));
  const missing = presentOutputs.filter((n) => !outputs.includes(n));
  if (missing.length > 0) throw new RuntimeError('E_BAD_MODEL', `${file}: past inputs without matching outputs: ${missing.join(', ')}`);
  const shapes = inputShapes(session);
  const first = pastInputs.length > 0 ? shapes.get(pastInputs[0]!) : undefined;
  const num = (k: string) => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  const heads = num('num_attention_heads') ?? num('n_head');
  const hidden = num('hidden_size') ?? num('n_embd');
  let kvHeads = 0;
  let headDim = 0;
  if (pastInputs.length > 0) {
    kvHeads = symbolicOr(first?.shape[1], num('num_key_value_heads') ?? heads, 'head count', file);
    headDim = symbolicOr(first?.shape[3], num('head_dim') ?? (hidden && heads ? hidden / heads : undefined), 'head size', file);
  }
  const io: ModelIo = {
    hasAttentionMask: inputs.includes('attention_mask'),
    hasPositionIds: inputs.includes('position_ids'),
    hasTokenTypeIds: inputs.includes('token_type_ids'),
    hasUseCacheBranch: inputs.includes('use_cache_branch'),
    hasLogitsPositions: inputs.includes(LOGITS_POSITIONS),
    pastInputs,
    presentOutputs,
    pastType: first?.type === 'float16' ? 'float16' : 'float32',
    kvHeads,
    headDim,
  };
  ioCache.set(session, io);
  return io;
}

function flatInt64(rows: readonly (readonly number[])[]): BigInt64Array {
  const width = rows[0]?.length ?? 0;
  const out = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) => {
    if (row.length !== width) throw new RuntimeError('E_BAD_INPUT', `forward: row ${r} has ${row.length} tokens, row 0 has ${width}`);
    toInt64Array(row, out, r * width);
  });
  return out;
}

export function emptyPast(io: ModelIo, batch: number): KvCache {
  const dims = [batch, io.kvHeads, 0, io.headDim];
  const make = () => (io.pastType === 'float16' ? new (ort().Tensor)('float16', new Uint16Array(0), dims) : float32Tensor(new Float32Array(0), dims));
  return { tensors: io.pastInputs.map(make), length: 0 };
}

/** Position ids that skip padding: each row counts its real tokens (as HF does for left padding). */
export function positionsFromMask(mask: readonly (readonly number[])[], newTokens: number): number[][] {
  return mask.map((row) => {
    const positions: number[] = [];
    const start = row.length - newTokens;
    let count = 0;
    for (let i = 0; i < row.length; i++) {
      // A real token sits at the count of real tokens before it; padding gets 1 (as HF does).
      if (i >= start) positions.push(row[i] ? count : 1);
      if (row[i]) count++;
    }
    return positions;
  });
}

export async function forward(session: OrtSession, io: ModelIo, input: ForwardInput): Promise<ForwardOutput> {
  const batch = input.ids.length;
  const seq = input.ids[0]?.length ?? 0;
  if (batch === 0 || seq === 0) throw new RuntimeError('E_BAD_INPUT', 'forward: no tokens to run');
  const past = input.past ?? (io.pastInputs.length > 0 ? emptyPast(io, batch) : undefined);
  const pastLength = past?.length ?? 0;
  const mask = input.attentionMask ?? input.ids.map(() => new Array<number>(pastLength + seq).fill(1));
  const feeds: OrtFeeds = { input_ids: int64Tensor(flatInt64(input.ids), [batch, seq]) };
  if (io.hasAttentionMask) feeds.attention_mask = int64Tensor(flatInt64(mask), [batch, pastLength + seq]);
  if (io.hasPositionIds) feeds.position_ids = int64Tensor(flatInt64(input.positionIds ?? positionsFromMask(mask, seq)), [batch, seq]);
  if (io.hasTokenTypeIds) feeds.token_type_ids = int64Tensor(new BigInt64Array(batch * seq), [batch, seq]);
  if (io.hasUseCacheBranch) feeds.use_cache_branch = new (ort().Tensor)('bool', Uint8Array.of(pastLength > 0 ? 1 : 0), [1]);
  if (past) {
    for (const [i, name] of io.pastInputs.entries()) feeds[name] = past.tensors[i]!;
  }
  const at = input.logitsAt;
  if (at !== undefined && (at.length === 0 || at.some((p) => !Number.isInteger(p) || p < 0 || p >= batch * seq))) {
    throw new RuntimeError('E_BAD_INPUT', `forward: logitsAt needs positions in [0, ${batch * seq})`);
  }
  // An empty list: every position (what the graph computed before it had the input).
  if (io.hasLogitsPositions) feeds[LOGITS_POSITIONS] = int64Tensor(at ?? [], [at?.length ?? 0]);
  const wantPresent = input.wantPresent !== false && io.presentOutputs.length > 0;
  const extraNames = input.extraOutputs ?? [];
  const out = wantPresent ? await session.run(feeds) : await session.run(feeds, ['logits', ...extraNames]);
  const logitsTensor = out.logits!;
  const dims = logitsTensor.dims;
  const logits = logitsTensor.type === 'float16' ? float16ToFloat32(logitsTensor.data as Uint16Array) : (logitsTensor.data as Float32Array);
  const present = wantPresent ? { tensors: io.presentOutputs.map((n) => out[n]!), length: pastLength + seq } : undefined;
  const extra = Object.fromEntries(extraNames.map((n) => [n, out[n]!]));
  const vocab = dims[2]!;
  if (at === undefined || io.hasLogitsPositions) return { logits, batch: dims[0]!, seq: dims[1]!, vocab, present, extra };
  const picked = new Float32Array(at.length * vocab);
  for (const [k, p] of at.entries()) picked.set(logSoftmaxRow(logits, p * vocab, vocab), k * vocab);
  return { logits: picked, batch: 1, seq: at.length, vocab, present, extra };
}

/** log-softmax of one logits row, as float64. */
export function logSoftmaxRow(logits: Float32Array, offset: number, vocab: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i]! - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(vocab);
  for (let i = 0; i < vocab; i++) out[i] = logits[offset + i]! - lse;
  return out;
}

/** Offset of logits[b, t, :] in the flat array. */
export function rowOffset(out: ForwardOutput, b: number, t: number): number {
  return (b * out.seq + t) * out.vocab;
}
