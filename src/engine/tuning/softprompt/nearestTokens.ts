// Interpretation of a learned soft prompt (Lester et al. 2021, §7): each virtual token's k
// nearest vocabulary embeddings by cosine similarity.

/** Written beside the adapter (`<out>/nearest_tokens.json`: NearestToken[][]) so editors can show it later. */
export const NEAREST_TOKENS_FILE = 'nearest_tokens.json';

export interface NearestToken {
  id: number;
  token: string;
  similarity: number;
}

export function nearestTokens(
  prompt: Float32Array,
  table: Float32Array,
  dims: { numVirtualTokens: number; vocabSize: number; hidden: number },
  k: number,
  tokenOf: (id: number) => string,
): NearestToken[][] {
  const { numVirtualTokens: n, vocabSize: V, hidden: d } = dims;
  if (prompt.length !== n * d) throw new Error(`nearest tokens: soft prompt has ${prompt.length} values, expected ${n}×${d}`);
  if (table.length !== V * d) throw new Error(`nearest tokens: embedding table has ${table.length} values, expected ${V}×${d}`);
  const norms = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += table[v * d + j]! ** 2;
    norms[v] = Math.sqrt(s);
  }
  const result: NearestToken[][] = [];
  for (let i = 0; i < n; i++) {
    let pn = 0;
    for (let j = 0; j < d; j++) pn += prompt[i * d + j]! ** 2;
    pn = Math.sqrt(pn);
    const sims: { id: number; similarity: number }[] = [];
    for (let v = 0; v < V; v++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += prompt[i * d + j]! * table[v * d + j]!;
      const denom = pn * norms[v]!;
      sims.push({ id: v, similarity: denom === 0 ? 0 : dot / denom });
    }
    sims.sort((a, b) => b.similarity - a.similarity || a.id - b.id);
    result.push(sims.slice(0, k).map((s) => ({ ...s, token: tokenOf(s.id) })));
  }
  return result;
}
