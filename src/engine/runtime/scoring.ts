// log p(continuation | prompt) for causal LMs: summed and per token, batched with padding and
// attention masks. Batched results equal unbatched runs (the masks hide the padding).
import { RuntimeError, throwIfAborted } from './errors';
import type { Provider } from './executionProviders';
import { forward } from './forward';
import type { ActiveSession, LanguageModel } from './languageModel';

export interface IdPair {
  prompt: readonly number[];
  continuation: readonly number[];
}

export interface IdScore {
  logprob: number;
  tokenLogprobs: number[];
}

export interface ScoreOptions {
  /** Sequences per forward pass (default 8). */
  batchSize?: number;
  /** Where padding goes in a batch (default right; left is what generation batches use). */
  padding?: 'left' | 'right';
  signal?: AbortSignal;
}

export interface ScoredItem extends IdScore {
  /** The continuation's token ids and their texts. */
  tokens: number[];
  tokenTexts: string[];
}

export interface ScoreResult {
  items: ScoredItem[];
  device: Provider;
}

/** Scores id pairs on an open session. Longer sequences are batched together to limit padding. */
export async function scoreIds(active: ActiveSession, pairs: readonly IdPair[], padId: number, options: ScoreOptions = {}): Promise<IdScore[]> {
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const padding = options.padding ?? 'right';
  for (const [i, p] of pairs.entries()) {
    if (p.prompt.length === 0) throw new RuntimeError('E_BAD_INPUT', `item ${i}: the prompt has no tokens (nothing predicts the first continuation token)`);
  }
  const order = pairs.map((_, i) => i).sort((a, b) => pairs[b]!.prompt.length + pairs[b]!.continuation.length - (pairs[a]!.prompt.length + pairs[a]!.continuation.length));
  const results: IdScore[] = new Array(pairs.length);
  for (let start = 0; start < order.length; start += batchSize) {
    throwIfAborted(options.signal);
    const rows = order.slice(start, start + batchSize);
    const seqs = rows.map((i) => [...pairs[i]!.prompt, ...pairs[i]!.continuation]);
    const width = Math.max(...seqs.map((s) => s.length));
    const ids = seqs.map((s) => (padding === 'right' ? [...s, ...new Array<number>(width - s.length).fill(padId)] : [...new Array<number>(width - s.length).fill(padId), ...s]));
    const mask = seqs.map((s) => {
      const ones = new Array<number>(s.length).fill(1);
      const zeros = new Array<number>(width - s.length).fill(0);
      return padding === 'right' ? [...ones, ...zeros] : [...zeros, ...ones];
    });
    // The logits read: for each row, those predicting its continuation's tokens (the logits at
    // position t predict the token at t + 1).
    const at: number[] = [];
    rows.forEach((pairIndex, b) => {
      const { prompt, continuation } = pairs[pairIndex]!;
      const first = b * width + (padding === 'right' ? 0 : width - seqs[b]!.length) + prompt.length - 1;
      for (let j = 0; j < continuation.length; j++) at.push(first + j);
    });
    const out = await forward(active.session, active.io, { ids, attentionMask: mask, wantPresent: false, logitsAt: at });
    let k = 0;
    for (const pairIndex of rows) {
      const tokenLogprobs = pairs[pairIndex]!.continuation.map((token) => {
        const offset = k++ * out.vocab;
        return out.logits[offset + token]!;
      });
      results[pairIndex] = { logprob: tokenLogprobs.reduce((a, v) => a + v, 0), tokenLogprobs };
    }
  }
  return results;
}

/**
 * Scores text pairs: the prompt is encoded with the model's special tokens (BOS), the
 * continuation without, and appended — so ' happy' after a prompt is the token '▁happy'.
 */
export async function score(model: LanguageModel, prompts: readonly string[], continuations: readonly string[], options: ScoreOptions = {}): Promise<ScoreResult> {
  if (model.kind !== 'causal') throw new RuntimeError('E_BAD_INPUT', `score needs a causal LM; ${model.folder.spec} is a masked LM (use classify with a <mask> template)`);
  if (prompts.length !== continuations.length) throw new RuntimeError('E_BAD_INPUT', `score: ${prompts.length} prompts but ${continuations.length} continuations`);
  const tok = model.tokenizer;
  const pairs = prompts.map((p, i) => {
    const continuation = tok.encode(continuations[i]!, { addSpecialTokens: false });
    if (continuation.length === 0) throw new RuntimeError('E_BAD_INPUT', `continuations[${i}]: encodes to no tokens`);
    return { prompt: model.encodePrompt(p), continuation };
  });
  const context = model.contextLength();
  for (const [i, p] of pairs.entries()) {
    const length = p.prompt.length + p.continuation.length;
    if (context !== undefined && length > context) throw new RuntimeError('E_BAD_INPUT', `item ${i}: ${length} tokens exceed the model's context of ${context}`);
  }
  return model.withSession(async (active) => {
    const scores = await scoreIds(active, pairs, model.padId(), options);
    const items = scores.map((s, i) => ({
      ...s,
      tokens: [...pairs[i]!.continuation],
      tokenTexts: pairs[i]!.continuation.map((id) => tok.idToToken(id) ?? tok.decode([id], { skipSpecialTokens: false })),
    }));
    return { items, device: active.provider };
  });
}
