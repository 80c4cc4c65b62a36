// Text generation with the KV cache: the prompt runs once, then one token per step feeding the
// previous step's present.* back as past_key_values.*. Streams text as it comes, stops on EOS/BOS
// or a stop string, and ends early (with what it has) when the signal is aborted.
import { RuntimeError } from './errors';
import type { Provider } from './executionProviders';
import { forward, type KvCache, type ModelIo } from './forward';
import type { LanguageModel } from './languageModel';
import type { OrtSession } from './ort';
import { pickToken, type SamplingOptions, seededRandom } from './sampling';
import type { ChatMessage } from '../../modelFiles/tokenizer';

export interface GenerateOptions extends SamplingOptions {
  /** New tokens at most (default 64). */
  maxTokens?: number;
  /** Generation ends when the text contains one of these; the text is cut before it. */
  stop?: readonly string[];
  /** Default: a random seed (reported in the result so a run can be repeated). */
  seed?: number;
  signal?: AbortSignal;
  /** Called with each new piece of text (held back while it could be the start of a stop string). */
  onToken?(piece: { id: number; text: string }): void;
}

export type FinishReason = 'length' | 'eos' | 'stop' | 'cancelled';

export interface GenerateResult {
  /** Generated ids (the prompt and the final EOS/BOS excluded). */
  ids: number[];
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  /** Generated tokens per second of wall time, prompt pass included. */
  tokensPerS: number;
  seed: number;
  device: Provider;
}

/** Length of the longest suffix of `text` that begins some stop string (kept back from streaming). */
function pendingStopPrefix(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

/** Checks the options every generation shares; returns maxTokens. */
export function checkMaxTokens(model: LanguageModel, options: GenerateOptions): number {
  if (model.kind !== 'causal') throw new RuntimeError('E_BAD_INPUT', `generate needs a causal LM; ${model.folder.spec} is a masked LM`);
  const maxTokens = options.maxTokens ?? 64;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new RuntimeError('E_BAD_INPUT', `maxTokens: expected a whole number ≥ 0, got ${maxTokens}`);
  return maxTokens;
}

/** `prompt` is text, or chat messages rendered with the model's chat template. */
export async function generate(model: LanguageModel, prompt: string | readonly ChatMessage[], options: GenerateOptions = {}): Promise<GenerateResult> {
  checkMaxTokens(model, options);
  const promptIds = model.encodePrompt(prompt);
  const context = model.contextLength();
  if (context !== undefined && promptIds.length >= context) {
    throw new RuntimeError('E_BAD_INPUT', `the prompt has ${promptIds.length} tokens; the model's context is ${context}`);
  }
  return model.withSession((active) => decodeLoop(model, active.session, active.io, promptIds, options, active.provider));
}

/**
 * The token loop shared by plain and soft-prompt generation: `session` may be a view that feeds
 * extra inputs (the soft prompt) as long as its I/O is described by `io`.
 */
export async function decodeLoop(model: LanguageModel, session: OrtSession, io: ModelIo, promptIds: readonly number[], options: GenerateOptions, device: Provider, started = performance.now()): Promise<GenerateResult> {
  const maxTokens = checkMaxTokens(model, options);
  const context = model.contextLength();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const stops = (options.stop ?? []).filter((s) => s.length > 0);
  const stopIds = model.stopIds();
  const tok = model.tokenizer;
  // Sampling settings the caller leaves out come from generation_config.json, as in transformers.
  const g = model.folder.generation;
  const sampling = {
    greedy: options.greedy ?? (options.temperature === undefined && g.doSample === false ? true : undefined),
    temperature: options.temperature ?? g.temperature,
    topK: options.topK ?? g.topK,
    topP: options.topP ?? g.topP,
  };
  const useCache = io.pastInputs.length > 0;
  const ids: number[] = [];
  let text = '';
  let streamed = 0;
  let finishReason: FinishReason = 'length';
  let past: KvCache | undefined;
  const all = [...promptIds];
  let next: number[] = [...promptIds];
  while (ids.length < maxTokens && (context === undefined || all.length < context)) {
    if (options.signal?.aborted) {
      finishReason = 'cancelled';
      break;
    }
    const fed = useCache ? next : all;
    // Only the last position's logits are read: a prompt's other positions skip the LM head (the
    // normalised row samples the same, softmax being shift-invariant).
    const out = await forward(session, io, { ids: [fed], past: useCache ? past : undefined, logitsAt: fed.length > 1 ? [fed.length - 1] : undefined });
    past = out.present;
    const token = pickToken(out.logits, (out.seq - 1) * out.vocab, out.vocab, sampling, random);
    if (stopIds.has(token)) {
      finishReason = 'eos';
      break;
    }
    ids.push(token);
    all.push(token);
    next = [token];
    text = tok.decode(ids, { skipSpecialTokens: true });
    const hit = stops.map((s) => text.indexOf(s)).filter((i) => i >= 0);
    if (hit.length > 0) {
      text = text.slice(0, Math.min(...hit));
      finishReason = 'stop';
    }
    // Hold back an unfinished UTF-8 sequence (byte-fallback tokens) and a possible stop prefix.
    const safe = finishReason === 'stop' ? text.length : text.replace(/\uFFFD+$/, '').length - pendingStopPrefix(text, stops);
    if (safe > streamed) {
      options.onToken?.({ id: token, text: text.slice(streamed, safe) });
      streamed = safe;
    }
    if (finishReason === 'stop') break;
  }
  if (streamed < text.length && finishReason !== 'stop') options.onToken?.({ id: ids.at(-1) ?? -1, text: text.slice(streamed) });
  const seconds = (performance.now() - started) / 1000;
  return { ids, text, finishReason, promptTokens: promptIds.length, tokensPerS: seconds > 0 ? ids.length / seconds : 0, seed, device };
}
