// Generation with a saved soft prompt: the adapter's virtual tokens go in front of the prompt
// (before BOS, as PEFT and our tuning place them) or at the template's {{softprompt}} slot, and
// the KV-cache decoder with the `soft_prompt` input runs the usual loop. The virtual tokens are
// real positions: they count in the position ids and the attention mask, exactly as in tuning.
import { RuntimeError } from '../../runtime/errors';
import { forward, type KvCache } from '../../runtime/forward';
import type { FinishReason, GenerateOptions, GenerateResult } from '../../runtime/generation';
import type { LanguageModel } from '../../runtime/languageModel';
import { pickToken, seededRandom } from '../../runtime/sampling';
import type { SoftPromptAdapter } from './peft';
import { promptIds } from './placement';
import { feedingSoftPrompt, softPromptDecoder } from './softPromptDecoder';

export interface SoftPromptGenerateOptions extends GenerateOptions {
  /** The `{{softprompt "name"}}` slot to fill; default: the template's only slot, else before BOS. */
  slot?: string;
}

export interface SoftPromptGenerateResult extends GenerateResult {
  /** The prompt's ids with the virtual ids (V…V+n-1) where the soft prompt goes. */
  promptIds: number[];
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

/** `text` is the rendered prompt as the model sees it, soft prompt slot markers left in. */
export async function generateWithSoftPrompt(model: LanguageModel, adapter: SoftPromptAdapter, text: string, options: SoftPromptGenerateOptions = {}): Promise<SoftPromptGenerateResult> {
  if (model.kind !== 'causal') throw new RuntimeError('E_BAD_INPUT', `generate needs a causal LM; ${model.folder.spec} is a masked LM`);
  const maxTokens = options.maxTokens ?? 64;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new RuntimeError('E_BAD_INPUT', `maxTokens: expected a whole number ≥ 0, got ${maxTokens}`);
  // Opening the model's session first fixes the provider the decoder must use too.
  const started = performance.now();
  return model.withSession(async (active) => {
    const decoder = await softPromptDecoder(model, adapter.numVirtualTokens);
    if (decoder.hidden !== adapter.tokenDim) {
      throw new RuntimeError('E_BAD_INPUT', `soft prompt: token_dim ${adapter.tokenDim} does not match the model's hidden size ${decoder.hidden}`);
    }
    const ids0 = promptIds({ tokenizer: model.tokenizer, vocabSize: decoder.vocabSize, numVirtualTokens: adapter.numVirtualTokens, slot: options.slot }, text);
    const context = model.contextLength();
    if (context !== undefined && ids0.length >= context) {
      throw new RuntimeError('E_BAD_INPUT', `the prompt has ${ids0.length} tokens (${adapter.numVirtualTokens} virtual); the model's context is ${context}`);
    }
    const session = feedingSoftPrompt(decoder, adapter.embeddings);
    // The hidden soft_prompt input makes the view's I/O the plain model's: same description.
    const io = active.io;
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const random = seededRandom(seed);
    const stops = (options.stop ?? []).filter((s) => s.length > 0);
    const stopIds = model.stopIds();
    const g = model.folder.generation;
    const sampling = {
      greedy: options.greedy ?? (options.temperature === undefined && g.doSample === false ? true : undefined),
      temperature: options.temperature ?? g.temperature,
      topK: options.topK ?? g.topK,
      topP: options.topP ?? g.topP,
    };
    const useCache = io.pastInputs.length > 0;
    const ids: number[] = [];
    const all = [...ids0];
    let next = ids0;
    let past: KvCache | undefined;
    let textOut = '';
    let streamed = 0;
    let finishReason: FinishReason = 'length';
    while (ids.length < maxTokens && (context === undefined || all.length < context)) {
      if (options.signal?.aborted) {
        finishReason = 'cancelled';
        break;
      }
      const out = await forward(session, io, { ids: [useCache ? next : all], past: useCache ? past : undefined });
      past = out.present;
      const token = pickToken(out.logits, (out.seq - 1) * out.vocab, out.vocab, sampling, random);
      if (stopIds.has(token)) {
        finishReason = 'eos';
        break;
      }
      ids.push(token);
      all.push(token);
      next = [token];
      textOut = model.tokenizer.decode(ids, { skipSpecialTokens: true });
      const hit = stops.map((s) => textOut.indexOf(s)).filter((i) => i >= 0);
      if (hit.length > 0) {
        textOut = textOut.slice(0, Math.min(...hit));
        finishReason = 'stop';
      }
      // Hold back an unfinished UTF-8 sequence (byte-fallback tokens) and a possible stop prefix.
      const safe = finishReason === 'stop' ? textOut.length : textOut.replace(/\uFFFD+$/, '').length - pendingStopPrefix(textOut, stops);
      if (safe > streamed) {
        options.onToken?.({ id: token, text: textOut.slice(streamed, safe) });
        streamed = safe;
      }
      if (finishReason === 'stop') break;
    }
    if (streamed < textOut.length && finishReason !== 'stop') options.onToken?.({ id: ids.at(-1) ?? -1, text: textOut.slice(streamed) });
    const seconds = (performance.now() - started) / 1000;
    return {
      ids,
      text: textOut,
      finishReason,
      promptTokens: ids0.length,
      promptIds: ids0,
      tokensPerS: seconds > 0 ? ids.length / seconds : 0,
      seed,
      device: decoder.provider,
    };
  });
}
