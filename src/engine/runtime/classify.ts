// Classification by verbalizers: class score = summed log-prob of the label's verbalizer tokens
// after the filled template; probabilities = softmax over the class scores. The prompt of each
// text is computed once: single-token verbalizers read its last logits, multi-token ones
// continue from its KV cache. Masked LMs score the verbalizer at the template's <mask>.
import { RuntimeError, throwIfAborted } from './errors';
import type { Provider } from './executionProviders';
import { forward } from './forward';
import { sliceRow } from './kvSlice';
import type { ActiveSession, LanguageModel } from './languageModel';
import { logSumExp, softmax } from './logits';
import { classifyMaskedScores } from './maskedLm';
import { scoreIds } from './scoring';

export interface ClassifyOptions {
  batchSize?: number;
  signal?: AbortSignal;
}

export interface ClassifiedItem {
  /** The most probable label. */
  label: string;
  probs: Record<string, number>;
  /** Summed verbalizer log-probs. */
  scores: Record<string, number>;
}

export interface ClassifyResult {
  items: ClassifiedItem[];
  device: Provider;
}

const TEXT_SLOT = /\{\{\s*text\s*\}\}|\{text\}/g;

/** Puts the text into the template at {text} / {{text}}. */
export function fillTemplate(template: string, text: string): string {
  if (!template.match(TEXT_SLOT)) throw new RuntimeError('E_BAD_INPUT', `template: needs a {text} slot (got ${JSON.stringify(template.slice(0, 60))})`);
  return template.replace(TEXT_SLOT, () => text);
}

/** Class scores for causal LMs: one row per text, one column per label. */
async function causalScores(active: ActiveSession, prompts: number[][], verbalizers: number[][], padId: number, options: ClassifyOptions): Promise<number[][]> {
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const multi = verbalizers.map((v, i) => (v.length > 1 ? i : -1)).filter((i) => i >= 0);
  const scores: number[][] = prompts.map(() => new Array<number>(verbalizers.length).fill(0));
  if (active.io.pastInputs.length === 0 && multi.length > 0) {
    // No KV cache in this graph: score the multi-token verbalizers as full sequences.
    const pairs = prompts.flatMap((prompt) => multi.map((l) => ({ prompt, continuation: verbalizers[l]! })));
    const flat = await scoreIds(active, pairs, padId, options);
    for (let t = 0; t < prompts.length; t++) {
      for (const [k, l] of multi.entries()) scores[t]![l] = flat[t * multi.length + k]!.logprob;
    }
  }
  for (let start = 0; start < prompts.length; start += batchSize) {
    throwIfAborted(options.signal);
    const rows = prompts.slice(start, start + batchSize);
    const width = Math.max(...rows.map((r) => r.length));
    const ids = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(padId)]);
    const mask = rows.map((r) => [...new Array<number>(r.length).fill(1), ...new Array<number>(width - r.length).fill(0)]);
    const out = await forward(active.session, active.io, { ids, attentionMask: mask });
    for (const [b, prompt] of rows.entries()) {
      const t = start + b;
      const offset = (b * out.seq + prompt.length - 1) * out.vocab;
      const lse = logSumExp(out.logits, offset, out.vocab);
      for (const [l, v] of verbalizers.entries()) {
        if (v.length === 1 || out.present) scores[t]![l] = out.logits[offset + v[0]!]! - lse;
      }
      if (!out.present || multi.length === 0) continue;
      // Continue every multi-token verbalizer from this prompt's cache, all in one batch.
      const past = sliceRow(out.present, b, prompt.length, multi.length);
      const contWidth = Math.max(...multi.map((l) => verbalizers[l]!.length - 1));
      const contIds = multi.map((l) => {
        const c = verbalizers[l]!.slice(0, -1);
        return [...c, ...new Array<number>(contWidth - c.length).fill(padId)];
      });
      const contMask = multi.map((l) => [...new Array<number>(prompt.length + verbalizers[l]!.length - 1).fill(1), ...new Array<number>(contWidth - verbalizers[l]!.length + 1).fill(0)]);
      const positions = multi.map(() => Array.from({ length: contWidth }, (_, j) => prompt.length + j));
      const cont = await forward(active.session, active.io, { ids: contIds, attentionMask: contMask, positionIds: positions, past });
      for (const [k, l] of multi.entries()) {
        const v = verbalizers[l]!;
        for (let j = 1; j < v.length; j++) {
          const o = (k * cont.seq + j - 1) * cont.vocab;
          scores[t]![l]! += cont.logits[o + v[j]!]! - logSumExp(cont.logits, o, cont.vocab);
        }
      }
    }
  }
  return scores;
}

export async function classify(model: LanguageModel, texts: readonly string[], template: string, labels: Record<string, string>, options: ClassifyOptions = {}): Promise<ClassifyResult> {
  const names = Object.keys(labels);
  if (names.length < 2) throw new RuntimeError('E_BAD_INPUT', 'labels: need at least two labels with verbalizers');
  const tok = model.tokenizer;
  const verbalizers = names.map((name) => {
    const ids = tok.encode(labels[name]!, { addSpecialTokens: false });
    if (ids.length === 0) throw new RuntimeError('E_BAD_INPUT', `labels.${name}: the verbalizer ${JSON.stringify(labels[name])} encodes to no tokens`);
    return ids;
  });
  const filled = texts.map((t) => fillTemplate(template, t));
  return model.withSession(async (active) => {
    const scores =
      model.kind === 'masked'
        ? await classifyMaskedScores(model, active, filled, verbalizers, options)
        : await causalScores(active, filled.map((p) => model.encodePrompt(p)), verbalizers, model.padId(), options);
    const items = scores.map((row) => {
      const probs = softmax(row);
      const best = probs.indexOf(Math.max(...probs));
      return {
        label: names[best]!,
        probs: Object.fromEntries(names.map((n, i) => [n, probs[i]!])),
        scores: Object.fromEntries(names.map((n, i) => [n, row[i]!])),
      };
    });
    return { items, device: active.provider };
  });
}
