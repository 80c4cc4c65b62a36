// Choosing the next token: greedy, or sampling with temperature, top-k and top-p (nucleus) from
// a seeded generator so the same seed gives the same text.
import { argmax } from './logits';

export interface SamplingOptions {
  greedy?: boolean;
  /** 0 means greedy. Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set whose probability reaches p (1 = all). */
  topP?: number;
}

/** mulberry32: small, fast, good enough for sampling; the state is one uint32. */
export function seededRandom(seed: number): () => number {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickToken(logits: Float32Array, offset: number, vocab: number, options: SamplingOptions, random: () => number): number {
  const temperature = options.temperature ?? 1;
  if (options.greedy || temperature <= 0) return argmax(logits, offset, vocab);
  // Candidates sorted by logit, cut to top-k (a partial selection: vocabularies reach 150k).
  const topK = options.topK ?? 0;
  let candidates = topK > 0 && topK < vocab ? topKIndices(logits, offset, vocab, topK) : Array.from({ length: vocab }, (_, i) => i).sort((a, b) => logits[offset + b]! - logits[offset + a]!);
  const max = logits[offset + candidates[0]!]!;
  let probs = candidates.map((id) => Math.exp((logits[offset + id]! - max) / temperature));
  let total = probs.reduce((a, b) => a + b, 0);
  const topP = options.topP ?? 1;
  if (topP < 1) {
    let cumulative = 0;
    let keep = 0;
    while (keep < probs.length && cumulative < topP * total) cumulative += probs[keep++]!;
    candidates = candidates.slice(0, Math.max(1, keep));
    probs = probs.slice(0, Math.max(1, keep));
    total = probs.reduce((a, b) => a + b, 0);
  }
  let r = random() * total;
  for (let i = 0; i < candidates.length; i++) {
    r -= probs[i]!;
    if (r <= 0) return candidates[i]!;
  }
  return candidates[candidates.length - 1]!;
}

/** Indices of the k largest logits, largest first; O(vocab) for the usual small k. */
export function topKIndices(logits: Float32Array, offset: number, vocab: number, k: number): number[] {
  const best: number[] = [];
  let floor = -Infinity;
  for (let i = 0; i < vocab; i++) {
    const v = logits[offset + i]!;
    if (best.length === k && v <= floor) continue;
    let at = best.length;
    while (at > 0 && logits[offset + best[at - 1]!]! < v) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
    floor = logits[offset + best[best.length - 1]!]!;
  }
  return best;
}
