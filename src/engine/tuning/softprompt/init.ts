// Initial soft prompt (Lester et al. 2021 §3.2; PEFT's PromptTuningInit names):
//   CLASS_LABELS  token i < #labels: the mean embedding of label i's verbalizer tokens (the
//                 paper's best; as prompt-tuning's from_embedded_list), the rest SAMPLE_VOCAB
//   SAMPLE_VOCAB  rows of the embedding table drawn from the 5,000 most frequent tokens
//   RANDOM        normal values at the embedding table's scale (its mean and std), not N(0, 1)
//   TEXT          the embeddings of the init text's tokens, cut or repeated to n tokens
import type { SoftPromptInit } from '../../../promptFile/promptsmithSettings';
import type { Rng } from '../optim/rng';

/** The paper samples from the first 5,000 rows of T5's vocabulary (prompt-tuning's population_size). */
export const SAMPLE_VOCAB_POPULATION = 5000;

export interface InitContext {
  numVirtualTokens: number;
  hidden: number;
  vocabSize: number;
  /** The embedding table [V, d], row-major. */
  table: Float32Array;
  rng: Rng;
  /** TEXT: the init text's token ids (no special tokens). */
  textIds?: number[];
  /** CLASS_LABELS: each label's verbalizer token ids. */
  classTokens?: number[][];
  /** SAMPLE_VOCAB (and CLASS_LABELS' rest): candidate ids, most frequent first (default: every id). */
  frequentIds?: number[];
}

export interface VocabularyLike {
  idToToken(id: number): string | undefined;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  readonly unkId: number | undefined;
  readonly maskId: number | undefined;
}

/**
 * The ids of the `limit` most frequent ordinary tokens. Without a corpus, frequency comes from the
 * vocabulary's order: BPE ids follow merge rank and SentencePiece ids follow piece score, both of
 * which track frequency in the tokenizer's training data (T5's vocabulary is ordered the same
 * way, which is why the paper's "5,000 most frequent" is its first 5,000 rows). Special tokens
 * and byte-fallback pieces (`<0x0A>`) are skipped: they are rare in text.
 */
export function frequentTokenIds(vocab: VocabularyLike, vocabSize: number, limit = SAMPLE_VOCAB_POPULATION): number[] {
  const special = new Set([vocab.bosId, vocab.eosId, vocab.padId, vocab.unkId, vocab.maskId].filter((id) => id !== undefined));
  const ids: number[] = [];
  for (let id = 0; id < vocabSize && ids.length < limit; id++) {
    const token = vocab.idToToken(id);
    if (token === undefined || special.has(id) || /^<0x[0-9A-Fa-f]{2}>$/.test(token)) continue;
    ids.push(id);
  }
  return ids;
}

/** Mean and standard deviation of all values of a table (population std, as numpy's np.std). */
export function tableStats(table: Float32Array): { mean: number; std: number } {
  let mean = 0;
  for (const x of table) mean += x / table.length;
  let v = 0;
  for (const x of table) v += (x - mean) ** 2 / table.length;
  return { mean, std: Math.sqrt(v) };
}

/** `count` ids from `population`, without replacement while it lasts (as the reference code). */
function sampleIds(population: readonly number[], count: number, rng: Rng): number[] {
  if (population.length === 0) throw new Error('soft prompt init: no vocabulary tokens to sample from');
  if (count > population.length) return Array.from({ length: count }, () => population[rng.int(population.length)]!);
  return rng.permutation(population.length).slice(0, count).map((i) => population[i]!);
}

export function initialSoftPrompt(init: SoftPromptInit, ctx: InitContext): Float32Array {
  const { numVirtualTokens: n, hidden: d } = ctx;
  const p = new Float32Array(n * d);
  const row = (id: number) => ctx.table.subarray(id * d, (id + 1) * d);
  const population = ctx.frequentIds ?? Array.from({ length: ctx.vocabSize }, (_, id) => id);
  switch (init) {
    case 'RANDOM': {
      const { mean, std } = tableStats(ctx.table);
      for (let k = 0; k < p.length; k++) p[k] = mean + std * ctx.rng.normal();
      return p;
    }
    case 'SAMPLE_VOCAB':
      for (const [i, id] of sampleIds(population, n, ctx.rng).entries()) p.set(row(id), i * d);
      return p;
    case 'CLASS_LABELS': {
      const labels = ctx.classTokens ?? [];
      if (labels.length === 0) throw new Error('soft prompt init CLASS_LABELS needs the task’s labels (promptsmith.task.labels)');
      for (const [i, id] of sampleIds(population, n, ctx.rng).entries()) p.set(row(id), i * d);
      // A label beyond the prompt's length is left out, as in the reference code.
      labels.slice(0, n).forEach((ids, i) => {
        for (let j = 0; j < d; j++) p[i * d + j] = ids.reduce((s, id) => s + ctx.table[id * d + j]!, 0) / ids.length;
      });
      return p;
    }
    case 'TEXT': {
      const ids = ctx.textIds ?? [];
      if (ids.length === 0) throw new Error('prompt_tuning_init TEXT needs a non-empty prompt_tuning_init_text (initText)');
      for (let i = 0; i < n; i++) p.set(row(ids[i % ids.length]!), i * d);
      return p;
    }
    default:
      throw new Error(`soft prompt init must be CLASS_LABELS, SAMPLE_VOCAB, RANDOM or TEXT, got ${JSON.stringify(init)}`);
  }
}
