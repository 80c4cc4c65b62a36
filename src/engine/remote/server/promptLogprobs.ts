// The one-pass completion behind scoring: each prompt runs once through the model (many rows
// per ORT run, right-padded, like runtime/scoring.ts), giving the log-prob of every prompt token
// (echo) with its top alternatives, and the next token's distribution, from which the one
// generated token is picked. Log-probs are exact log-softmax values of the model's logits.
import { RuntimeError } from '../../runtime/errors';
import { forward } from '../../runtime/forward';
import type { LanguageModel } from '../../runtime/languageModel';
import { pickToken, seededRandom, topKIndices } from '../../runtime/sampling';
import type { Sampling } from './serverRequests';
import { TokenTexts } from './tokenTexts';

export interface PositionLogprob {
  id: number;
  text: string;
  /** null for the first token (nothing predicts it). */
  logprob: number | null;
  /** The `top` most likely tokens at this position (text → log-prob), null for the first token. */
  top: Record<string, number> | null;
}

export interface OnePassResult {
  promptIds: number[];
  /** One per prompt token (filled only when asked for with `echo`). */
  prompt: PositionLogprob[];
  /** The generated token, when max_tokens ≥ 1 (an end-of-sequence token has empty text). */
  generated?: PositionLogprob & { stop: boolean };
}

export interface OnePassOptions {
  /** Log-probs of the prompt tokens too (echo with logprobs). */
  echoLogprobs: boolean;
  /** Alternatives per position (0: only the chosen token's log-prob). */
  top: number;
  sampling: Sampling;
  /** Rows per ORT run (default 8). */
  batchSize?: number;
  signal?: AbortSignal;
}

function topOf(logProbs: Float32Array, offset: number, vocab: number, k: number, texts: TokenTexts, previous: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of k > 0 ? topKIndices(logProbs, offset, vocab, k) : []) out[texts.after(previous, id)] = logProbs[offset + id]!;
  return out;
}

/** Token texts are decoded once per model (the memo outlives requests). */
const tokenTexts = new WeakMap<LanguageModel, TokenTexts>();

export async function onePassCompletions(model: LanguageModel, prompts: readonly number[][], options: OnePassOptions): Promise<OnePassResult[]> {
  const context = model.contextLength();
  for (const [i, ids] of prompts.entries()) {
    if (context !== undefined && ids.length + 1 > context) throw new RuntimeError('E_BAD_INPUT', `prompt ${i}: ${ids.length} tokens leave no room in the model's context of ${context}`);
  }
  const texts = tokenTexts.get(model) ?? new TokenTexts(model.tokenizer);
  tokenTexts.set(model, texts);
  const stopIds = model.stopIds();
  const random = seededRandom(options.sampling.seed ?? Math.floor(Math.random() * 2 ** 31));
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const results: OnePassResult[] = new Array(prompts.length);
  // Longer prompts together, to waste little on padding.
  const order = prompts.map((_, i) => i).sort((a, b) => prompts[b]!.length - prompts[a]!.length);
  await model.withSession(async (active) => {
    for (let start = 0; start < order.length; start += batchSize) {
      if (options.signal?.aborted) throw new RuntimeError('E_CANCELLED', 'cancelled');
      const rows = order.slice(start, start + batchSize);
      const width = Math.max(...rows.map((i) => prompts[i]!.length));
      const ids = rows.map((i) => [...prompts[i]!, ...new Array<number>(width - prompts[i]!.length).fill(model.padId())]);
      const mask = rows.map((i) => [...new Array<number>(prompts[i]!.length).fill(1), ...new Array<number>(width - prompts[i]!.length).fill(0)]);
      // Only the rows read: for echo, those predicting prompt tokens 1…n-1 (the logits at t - 1
      // predict the token at t); for a generated token, the last one. They come back log-softmax
      // normalised (on a graph with logits_positions the head also skips the padding).
      const at: number[] = [];
      const firstRow: number[] = [];
      for (const [b, index] of rows.entries()) {
        firstRow.push(at.length);
        const n = prompts[index]!.length;
        if (options.echoLogprobs) for (let t = 1; t < n; t++) at.push(b * width + t - 1);
        if (options.sampling.maxTokens >= 1) at.push(b * width + n - 1);
      }
      const out = at.length > 0 ? await forward(active.session, active.io, { ids, attentionMask: mask, wantPresent: false, logitsAt: at }) : undefined;
      for (const [b, index] of rows.entries()) {
        const promptIds = prompts[index]!;
        let row = firstRow[b]!;
        const result: OnePassResult = { promptIds: [...promptIds], prompt: [] };
        if (options.echoLogprobs) {
          result.prompt.push({ id: promptIds[0]!, text: texts.first(promptIds[0]!), logprob: null, top: null });
          for (let t = 1; t < promptIds.length; t++) {
            const offset = row++ * out!.vocab;
            const previous = promptIds[t - 1]!;
            result.prompt.push({
              id: promptIds[t]!,
              text: texts.after(previous, promptIds[t]!),
              logprob: out!.logits[offset + promptIds[t]!]!,
              top: topOf(out!.logits, offset, out!.vocab, options.top, texts, previous),
            });
          }
        }
        if (options.sampling.maxTokens >= 1) {
          const offset = row * out!.vocab;
          const s = options.sampling;
          // Log-probabilities: the same pick as from the logits at any temperature (a constant per row).
          const id = pickToken(out!.logits, offset, out!.vocab, { temperature: s.temperature, topK: s.topK, topP: s.topP }, random);
          const previous = promptIds.at(-1)!;
          const stop = stopIds.has(id);
          result.generated = {
            id,
            text: stop ? '' : texts.after(previous, id),
            logprob: out!.logits[offset + id]!,
            top: topOf(out!.logits, offset, out!.vocab, options.top, texts, previous),
            stop,
          };
        }
        results[index] = result;
      }
    }
  });
  return results;
}
