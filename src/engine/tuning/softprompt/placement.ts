// Where the virtual tokens go in the token sequence. As PEFT: before the whole input, BOS
// included (so position ids count them). Or, when the template has a `{{softprompt "name"}}`
// slot, at that slot: the renderer leaves a marker in the text that we split on.
import { splitSoftPromptMarkers } from '../../../language/analysis/promptFile';
import type { TextTokenizer } from '../../runtime/tokenizer';
import { virtualTokenIds } from './surgery';

export interface PlacementContext {
  tokenizer: Pick<TextTokenizer, 'encode'>;
  vocabSize: number;
  numVirtualTokens: number;
}

/** The input ids of one rendered prompt, virtual ids included (n = 0: the plain prompt). */
export function promptIds(ctx: PlacementContext, text: string): number[] {
  const virtual = virtualTokenIds(ctx.vocabSize, ctx.numVirtualTokens);
  const pieces = splitSoftPromptMarkers(text);
  const slots = pieces.filter((p) => p.kind === 'softPrompt');
  if (slots.length === 0) return [...virtual, ...ctx.tokenizer.encode(text)];
  if (slots.length > 1) throw new Error(`soft prompt: the template has ${slots.length} {{softprompt}} slots; one soft prompt fills one slot`);
  const ids: number[] = [];
  let first = true;
  for (const piece of pieces) {
    if (piece.kind === 'softPrompt') ids.push(...virtual);
    // Only the first text piece starts the sequence, so only it gets BOS.
    else ids.push(...ctx.tokenizer.encode(piece.text, { addSpecialTokens: first }));
    first = false;
  }
  // A slot at the very start still comes after BOS, as the model expects BOS first.
  if (pieces[0]!.kind === 'softPrompt') return [...ctx.tokenizer.encode('').slice(0, 1), ...ids];
  return ids;
}
