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
  /** Compute a prompt prefix common to all texts once (default true). */
  sharePrefix?: boolean;
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
  /** Prompt tokens common to all texts, computed once (0 when not worth it). */
  sharedPrefixTokens: number;
  device: Provider;
}

const TEXT_SLOT = /\{\{\s*text\s*\}\}|\{text\}/g;

/** Puts the text into the template at {text} / {{text}}. */
export function fillTemplate(template: string, text: string): string {
  if (!template.match(TEXT_SLOT)) throw new RuntimeError('E_BAD_INPUT', `template: needs a {text} slot (got ${JSON.stringify(template.slice(0, 60))})`);
  return template.replace(TEXT_SLOT, () => text);
}

/** Below this many shared tokens, computing the prefix separately is not worth a pass. */
const MIN_SHARED_PREFIX = 8;

/**
 * Tokens every prompt starts with (by ids, so the split is exact), leaving each prompt at least
 * one token of its own: few-shot instructions before {text} are computed once for all texts.
 */
export function sharedPrefixLength(prompts: readonly (readonly number[])[]): number {
  if (prompts.length < 2) return 0;
  let n = Math.min(...prompts.map((p) => p.length)) - 1;
  const first = prompts[0]!;
  for (const p of prompts) {
    let i = 0;
    while (i < n && p[i] === first[i]) i++;
    n = i;
  }
  return n >= MIN_SHARED_PREFIX ? n : 0;
}

/** Class scores for causal LMs: one row per text, one column per label. */
async function causalScores(active: ActiveSession, prompts: number[][], verbalizers: number[][], padId: number, options: ClassifyOptions): Promise<{ scores: number[][]; sharedPrefix: number }> {
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const multi = verbalizers.map((v, i) => (v.length > 1 ? i : -1)).filter((i) => i >= 0);
  const scores: number[][] = prompts.map(() => new Array<number>(verbalizers.length).fill(0));
  const hasCache = active.io.pastInputs.length > 0;
  if (!hasCache && multi.length > 0) {
    // No KV cache in this graph: score the multi-token verbalizers as full sequences.
    const pairs = prompts.flatMap((prompt) => multi.map((l) => ({ prompt, continuation: verbalizers[l]! })));
    const flat = await scoreIds(active, pairs, padId, options);
    for (let t = 0; t < prompts.length; t++) {
      for (const [k, l] of multi.entries()) scores[t]![l] = flat[t * multi.length + k]!.logprob;
    }
  }
  const shared = hasCache && options.sharePrefix !== false ? sharedPrefixLength(prompts) : 0;
  const prefixCache = shared > 0 ? (await forward(active.session, active.io, { ids: [prompts[0]!.slice(0, shared)] })).present : undefined;
  for (let start = 0; start < prompts.length; start += batchSize) {
    throwIfAborted(options.signal);
    const rows = prompts.slice(start, start + batchSize).map((p) => p.slice(shared));
    const width = Math.max(...rows.map((r) => r.length));
    const ids = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(padId)]);
    const mask = rows.map((r) => [...new Array<number>(shared + r.length).fill(1), ...new Array<number>(width - r.length).fill(0)]);
    const past = prefixCache ? sliceRow(prefixCache, 0, shared, rows.length) : undefined;
    const out = await forward(active.session, active.io, { ids, attentionMask: mask, past, wantPresent: multi.length > 0 });
    for (const [b, own] of rows.entries()) {
      const t = start + b;
      const length = shared + own.length;
      const offset = (b * out.seq + own.length - 1) * out.vocab;
      const lse = logSumExp(out.logits, offset, out.vocab);
      for (const [l, v] of verbalizers.entries()) {
        if (v.length === 1 || out.present) scores[t]![l] = out.logits[offset + v[0]!]! - lse;
      }
      if (!out.present || multi.length === 0) continue;
      // Continue every multi-token verbalizer from this prompt's cache, all in one batch.
      const contPast = sliceRow(out.present, b, length, multi.length);
      const contWidth = Math.max(...multi.map((l) => verbalizers[l]!.length - 1));
      const contIds = multi.map((l) => {
        const c = verbalizers[l]!.slice(0, -1);
        return [...c, ...new Array<number>(contWidth - c.length).fill(padId)];
      });
      const contMask = multi.map((l) => [...new Array<number>(length + verbalizers[l]!.length - 1).fill(1), ...new Array<number>(contWidth - verbalizers[l]!.length + 1).fill(0)]);
      const positions = multi.map(() => Array.from({ length: contWidth }, (_, j) => length + j));
      const cont = await forward(active.session, active.io, { ids: contIds, attentionMask: contMask, positionIds: positions, past: contPast, wantPresent: false });
      for (const [k, l] of multi.entries()) {
        const v = verbalizers[l]!;
        for (let j = 1; j < v.length; j++) {
          const o = (k * cont.seq + j - 1) * cont.vocab;
          scores[t]![l]! += cont.logits[o + v[j]!]! - logSumExp(cont.logits, o, cont.vocab);
        }
      }
    }
  }
  return { scores, sharedPrefix: shared };
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
    const { scores, sharedPrefix } =
      model.kind === 'masked'
        ? { scores: await classifyMaskedScores(model, active, filled, verbalizers, options), sharedPrefix: 0 }
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
    return { items, sharedPrefixTokens: sharedPrefix, device: active.provider };
  });
}
