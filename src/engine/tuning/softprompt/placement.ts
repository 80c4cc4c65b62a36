// Where the virtual tokens go in the token sequence. As PEFT: before the whole input, BOS
// included (so position ids count them). Or, when the template has a `{{softprompt "name"}}`
// slot, at that slot: the renderer leaves a marker in the text that we split on.
import { type PromptPiece, splitSoftPromptMarkers } from '../../../promptFile/promptFile';
import type { TextTokenizer } from '../../../modelFiles/tokenizer';
import { virtualTokenIds } from './surgery';

export interface PlacementContext {
  tokenizer: Pick<TextTokenizer, 'encode'>;
  vocabSize: number;
  numVirtualTokens: number;
  /** The slot to fill; undefined: the template's only slot if it has one, else before the input. */
  slot?: string;
}

/** `ids.push(...more)` without spreading: a long row has more ids than a call may take arguments. */
function append(ids: number[], more: readonly number[]): void {
  for (const id of more) ids.push(id);
}

/** The slot marker a soft prompt fills in `pieces` (undefined: none, it goes before the input). */
function targetSlot(pieces: PromptPiece[], slot: string | undefined): PromptPiece | undefined {
  const slots = pieces.filter((p) => p.kind === 'softPrompt' && (slot === undefined || p.name === slot));
  if (slot !== undefined && slots.length === 0) throw new Error(`soft prompt: the template has no {{softprompt "${slot}"}} slot`);
  if (slots.length > 1) throw new Error(`soft prompt: the template has ${slots.length} matching {{softprompt}} slots; one soft prompt fills one slot`);
  return slots[0];
}

/** The name of the slot a soft prompt fills in this rendered text; undefined: before the whole input. */
export function filledSlot(text: string, slot?: string): string | undefined {
  const target = targetSlot(splitSoftPromptMarkers(text), slot);
  return target?.kind === 'softPrompt' ? target.name : undefined;
}

/** The input ids of one rendered prompt, virtual ids included (n = 0: the plain prompt). */
export function promptIds(ctx: PlacementContext, text: string): number[] {
  const virtual = virtualTokenIds(ctx.vocabSize, ctx.numVirtualTokens);
  const pieces = splitSoftPromptMarkers(text);
  const target = targetSlot(pieces, ctx.slot);
  const ids: number[] = [];
  let first = true;
  for (const piece of pieces) {
    if (piece.kind === 'softPrompt') {
      // Other slots (other soft prompts) contribute nothing to this run.
      if (piece === target) {
        // A slot at the very start still comes after BOS: the model expects BOS first.
        if (first) append(ids, ctx.tokenizer.encode('').slice(0, 1));
        append(ids, virtual);
        first = false;
      }
      continue;
    }
    // Only the first text piece starts the sequence, so only it gets BOS.
    append(ids, ctx.tokenizer.encode(piece.text, { addSpecialTokens: first }));
    first = false;
  }
  if (!target) return [...virtual, ...(ids.length > 0 ? ids : ctx.tokenizer.encode(''))];
  return ids;
}
