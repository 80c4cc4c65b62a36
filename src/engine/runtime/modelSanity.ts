// Checks at model load that catch a broken model before it gives quietly wrong answers: weights
// that are NaN or infinite make every score NaN and every generation empty, and a degenerate
// tokenizer (everything one token, or nothing) makes every label score the same (accuracy 0.5
// on two balanced labels). Both are refused with the file named.
import { join, resolve } from 'node:path';
import type { TextTokenizer } from '../../modelFiles/tokenizer';
import { RuntimeError } from './errors';
import { forward, type ModelIo } from './forward';
import type { OrtSession } from './ort';

/** Plain text with letters, spaces, punctuation and digits: every usable tokenizer splits it into several different tokens. */
const PROBE_TEXT = 'The quick brown fox jumps over the lazy dog. 0123456789';

/** `model` names the user's model when `modelDir` is a copy of it (an export in the cache). */
export function checkTokenizerUsable(tokenizer: TextTokenizer, modelDir: string, model?: string): void {
  const ids = tokenizer.encode(PROBE_TEXT, { addSpecialTokens: false });
  const distinct = new Set(ids);
  const unknown = tokenizer.unkId === undefined ? 0 : ids.filter((id) => id === tokenizer.unkId).length;
  if (ids.length === 0 || distinct.size === 1 || unknown * 2 > ids.length) {
    const shown = ids.length === 0 ? 'no tokens' : `[${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''}]`;
    const copyOf = model === undefined || resolve(model) === resolve(modelDir) ? '' : ` (of model ${model})`;
    throw new RuntimeError('E_BAD_MODEL', `${join(modelDir, 'tokenizer.json')}${copyOf}: the tokenizer is degenerate: ${JSON.stringify(PROBE_TEXT)} encodes to ${shown}; every prompt and label would look alike to the model`);
  }
}

/** One forward pass of one token: its logits must be finite, or the weights are broken. */
export async function checkModelOutputs(session: OrtSession, io: ModelIo, tokenId: number, onnxFile: string): Promise<void> {
  const out = await forward(session, io, { ids: [[tokenId]], wantPresent: false });
  let bad = 0;
  for (const v of out.logits) if (!Number.isFinite(v)) bad++;
  if (bad > 0) {
    throw new RuntimeError('E_BAD_MODEL', `${onnxFile}: ${bad} of ${out.logits.length} logits for a one-token input are NaN or infinite: the model's weights are broken (re-export or re-download it)`);
  }
}
