// Masked-LM scoring (BERT/RoBERTa): the template's <mask> slot gets as many mask tokens as the
// verbalizer has tokens, and the class score is the sum of each verbalizer token's log-prob at
// its mask position (one forward per distinct verbalizer length per text).
import { RuntimeError, throwIfAborted } from './errors';
import { forward } from './forward';
import type { ActiveSession, LanguageModel } from './languageModel';
import { logSumExp } from './logits';

const MASK_SLOT = /<mask>|\[MASK\]|\{mask\}/;

export async function classifyMaskedScores(
  model: LanguageModel,
  active: ActiveSession,
  prompts: readonly string[],
  verbalizers: number[][],
  options: { batchSize?: number; signal?: AbortSignal },
): Promise<number[][]> {
  const tok = model.tokenizer;
  const maskId = tok.maskId;
  const maskToken = maskId === undefined ? undefined : tok.idToToken(maskId);
  if (maskId === undefined || maskToken === undefined) throw new RuntimeError('E_BAD_MODEL', `${model.folder.dir}: the tokenizer has no mask token`);
  const lengths = [...new Set(verbalizers.map((v) => v.length))];
  // One input per (prompt, verbalizer length).
  const inputs = prompts.flatMap((prompt, p) => {
    if (!MASK_SLOT.test(prompt)) throw new RuntimeError('E_BAD_INPUT', 'template: a masked LM needs a <mask> slot');
    return lengths.map((n) => {
      const ids = tok.encode(prompt.replace(MASK_SLOT, maskToken.repeat(n)), { addSpecialTokens: true });
      const positions = ids.flatMap((id, i) => (id === maskId ? [i] : []));
      if (positions.length !== n) throw new RuntimeError('E_BAD_INPUT', `texts[${p}]: expected ${n} mask token(s) after filling the template, found ${positions.length}`);
      return { p, n, ids, positions };
    });
  });
  const scores = prompts.map(() => new Array<number>(verbalizers.length).fill(0));
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const padId = model.padId();
  for (let start = 0; start < inputs.length; start += batchSize) {
    throwIfAborted(options.signal);
    const rows = inputs.slice(start, start + batchSize);
    const width = Math.max(...rows.map((r) => r.ids.length));
    const out = await forward(active.session, active.io, {
      ids: rows.map((r) => [...r.ids, ...new Array<number>(width - r.ids.length).fill(padId)]),
      attentionMask: rows.map((r) => [...new Array<number>(r.ids.length).fill(1), ...new Array<number>(width - r.ids.length).fill(0)]),
      positionIds: rows.map(() => Array.from({ length: width }, (_, i) => i)),
      wantPresent: false,
    });
    for (const [b, row] of rows.entries()) {
      for (const [l, v] of verbalizers.entries()) {
        if (v.length !== row.n) continue;
        scores[row.p]![l] = v.reduce((sum, token, k) => {
          const offset = (b * out.seq + row.positions[k]!) * out.vocab;
          return sum + out.logits[offset + token]! - logSumExp(out.logits, offset, out.vocab);
        }, 0);
      }
    }
  }
  return scores;
}
