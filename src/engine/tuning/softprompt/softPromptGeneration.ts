// Generation with a saved soft prompt: the adapter's virtual tokens go in front of the prompt
// (before BOS, as PEFT and our tuning place them) or at the template's {{softprompt}} slot, and
// the KV-cache decoder with the `soft_prompt` input runs the usual loop. The virtual tokens are
// real positions: they count in the position ids and the attention mask, exactly as in tuning.
import { RuntimeError } from '../../runtime/errors';
import { checkMaxTokens, decodeLoop, type GenerateOptions, type GenerateResult } from '../../runtime/generation';
import type { LanguageModel } from '../../runtime/languageModel';
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

/** `text` is the rendered prompt as the model sees it, soft prompt slot markers left in. */
export async function generateWithSoftPrompt(model: LanguageModel, adapter: SoftPromptAdapter, text: string, options: SoftPromptGenerateOptions = {}): Promise<SoftPromptGenerateResult> {
  checkMaxTokens(model, options);
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
    const result = await decodeLoop(model, session, active.io, ids0, options, decoder.provider, started);
    return { ...result, promptIds: ids0 };
  });
}
