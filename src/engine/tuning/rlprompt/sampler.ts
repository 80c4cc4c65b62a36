// Top-k sampling of one token from a logits row (RLPrompt: model_utils._top_k_logits, then a
// Categorical): logits below the k-th largest are dropped (ties with it are kept), the rest are
// renormalised, and the token is drawn by inverse CDF from ONE uniform number — ids in
// ascending order, the first whose cumulative probability exceeds u. One uniform per draw
// makes runs reproducible from a seed, and lets a test replay an oracle's stored uniforms.

/** Where the uniforms in [0, 1) come from: a seeded Rng, or stored numbers (oracle tests). */
export interface UniformSource {
  uniform(): number;
}

/** Replays a fixed list of uniforms; running out is an error (the replay would diverge). */
export class StoredUniforms implements UniformSource {
  private next = 0;
  constructor(private readonly values: readonly number[]) {}
  uniform(): number {
    if (this.next >= this.values.length) throw new Error(`stored uniforms: all ${this.values.length} used`);
    return this.values[this.next++]!;
  }
}

/** The k-th largest value of row[offset, offset + n) (quickselect on a copy; O(n)). */
export function kthLargest(row: Float32Array, offset: number, n: number, k: number): number {
  const a = Float64Array.from(row.subarray(offset, offset + n));
  const want = Math.min(Math.max(k, 1), n) - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return a[want]!;
  }
  return a[want]!;
}

/** Draws a token id from logits row `offset .. offset + vocab` with top-k and the uniform `u`. */
export function sampleTopK(row: Float32Array, offset: number, vocab: number, topK: number, u: number): number {
  const threshold = topK > 0 && topK < vocab ? kthLargest(row, offset, vocab, topK) : -Infinity;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) {
    const z = row[offset + i]!;
    if (z >= threshold && z > max) max = z;
  }
  let total = 0;
  for (let i = 0; i < vocab; i++) {
    const z = row[offset + i]!;
    if (z >= threshold) total += Math.exp(z - max);
  }
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < vocab; i++) {
    const z = row[offset + i]!;
    if (z < threshold) continue;
    cumulative += Math.exp(z - max) / total;
    last = i;
    if (cumulative > u) return i;
  }
  // Rounding can leave the total a hair below u ≈ 1: the last kept id.
  return last;
}

/** The most likely id of a logits row (the greedy prompt). */
export function argmaxRow(row: Float32Array, offset: number, vocab: number): number {
  let best = 0;
  for (let i = 1; i < vocab; i++) if (row[offset + i]! > row[offset + best]!) best = i;
  return best;
}
