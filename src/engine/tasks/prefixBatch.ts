// Many short continuations of a few shared prefixes, batched: each prefix runs once (its KV
// cache is kept), and each row then feeds only its own tokens on top of its prefix's cache.
// Prefixes of different lengths share a batch: every row's past is padded to the longest and
// the padding is masked out, with position ids continuing each row's own prefix.
import { forward, type KvCache } from '../runtime/forward';
import type { ActiveSession } from '../runtime/languageModel';
import { sliceRow } from '../runtime/kvSlice';
import { ort } from '../runtime/ort';

export interface CachedPrefix {
  length: number;
  cache: KvCache;
  /** log-softmax of the logits after the prefix's last token (predicts the first new token). */
  lastLogProbs: Float64Array;
}

/** Runs prefixes (right-padded in batches) and keeps each one's exact cache. */
export async function computePrefixes(active: ActiveSession, prefixes: readonly (readonly number[])[], padId: number, batchSize = 16): Promise<CachedPrefix[]> {
  const out: CachedPrefix[] = [];
  for (let start = 0; start < prefixes.length; start += batchSize) {
    const rows = prefixes.slice(start, start + batchSize);
    const width = Math.max(...rows.map((r) => r.length));
    const ids = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(padId)]);
    const mask = rows.map((r) => [...new Array<number>(r.length).fill(1), ...new Array<number>(width - r.length).fill(0)]);
    // Only each row's last logits are read: the LM head runs there alone (see forward's logitsAt).
    const result = await forward(active.session, active.io, { ids, attentionMask: mask, logitsAt: rows.map((r, b) => b * width + r.length - 1) });
    if (!result.present) throw new Error('prefix batching needs a model with a KV cache');
    // Causal attention: a row's first n positions never saw its right padding.
    rows.forEach((r, b) => {
      const row = b * result.vocab;
      const lastLogProbs = Float64Array.from(result.logits.subarray(row, row + result.vocab));
      out.push({ length: r.length, cache: sliceRow(result.present!, b, r.length, 1), lastLogProbs });
    });
  }
  return out;
}

/** Row b's past = its prefix's cache, right-padded to `width` positions. */
function stackPast(prefixes: readonly CachedPrefix[], width: number): KvCache {
  const first = prefixes[0]!.cache;
  const tensors = first.tensors.map((_, k) => {
    const [, heads, , dim] = first.tensors[k]!.dims as number[];
    const isF32 = first.tensors[k]!.data instanceof Float32Array;
    const rowSize = heads! * width * dim!;
    const data = isF32 ? new Float32Array(rowSize * prefixes.length) : new Uint16Array(rowSize * prefixes.length);
    prefixes.forEach((p, b) => {
      const src = p.cache.tensors[k]!.data as Float32Array | Uint16Array;
      for (let h = 0; h < heads!; h++) data.set(src.subarray(h * p.length * dim!, (h + 1) * p.length * dim!), b * rowSize + h * width * dim!);
    });
    return new (ort().Tensor)(first.tensors[k]!.type as 'float32', data, [prefixes.length, heads!, width, dim!]);
  });
  return { tensors, length: width };
}

export interface ContinuationRow {
  prefix: CachedPrefix;
  /** Tokens fed after the prefix (at least one). */
  tokens: readonly number[];
}

/**
 * Calls `read(row, position, logProbs, offset, vocab)` for every fed position of every row, where
 * the log-probabilities at `offset` are those of the token after rows[row].tokens[position].
 */
export async function runContinuations(
  active: ActiveSession,
  rows: readonly ContinuationRow[],
  padId: number,
  read: (row: number, position: number, logProbs: Float32Array, offset: number, vocab: number) => void,
): Promise<void> {
  if (rows.length === 0) return;
  const pastWidth = Math.max(...rows.map((r) => r.prefix.length));
  const width = Math.max(...rows.map((r) => r.tokens.length));
  const ids = rows.map((r) => [...r.tokens, ...new Array<number>(width - r.tokens.length).fill(padId)]);
  const mask = rows.map((r) => [
    ...new Array<number>(r.prefix.length).fill(1),
    ...new Array<number>(pastWidth - r.prefix.length).fill(0),
    ...new Array<number>(r.tokens.length).fill(1),
    ...new Array<number>(width - r.tokens.length).fill(0),
  ]);
  const positions = rows.map((r) => Array.from({ length: width }, (_, j) => r.prefix.length + j));
  // The logits of the fed tokens, not of the padding.
  const at = rows.flatMap((r, b) => r.tokens.map((_, j) => b * width + j));
  const out = await forward(active.session, active.io, { ids, attentionMask: mask, positionIds: positions, past: stackPast(rows.map((r) => r.prefix), pastWidth), wantPresent: false, logitsAt: at });
  let k = 0;
  rows.forEach((r, b) => {
    for (let j = 0; j < r.tokens.length; j++) read(b, j, out.logits, k++ * out.vocab, out.vocab);
  });
}
