// Turns a batch of examples into the plain arrays the loss graph reads: right-padded token rows
// (attention mask 0 on padding; the causal mask keeps padding from touching real positions),
// and index/weight tensors that pick each verbalizer token's log-prob out of the logits.
//
// Rows are shared: a class's score needs the sequence prompt + its verbalizer tokens but the
// last, and one row serves every class whose needed tokens are a prefix of that row's extra
// tokens (all single-token verbalizers read the first row of their example).
import type { BatchShape } from './activationMemory';

export interface BatchExample {
  /** Prompt ids, virtual ids and BOS included. */
  ids: number[];
  /** Classification: index of the gold class. */
  label?: number;
  /** Generation: the target ids (the continuation to learn). */
  target?: number[];
}

export interface BatchArrays {
  rows: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  positionIds: BigInt64Array;
  /** [E, C, K]: flat index r·T + t of the position whose next-token distribution scores token k. */
  scoreRows: BigInt64Array;
  /** [E, C, K, 1]: the scored token id (0 for padding beyond a verbalizer's length). */
  scoreTokens: BigInt64Array;
  /** [E, C, K, 1]: 1 for a scored token, 0 for padding. */
  scoreMask: Float32Array;
  /** [E, C]: classification one-hot of the gold class ÷ E; generation 1/(total target tokens). */
  labelWeights: Float32Array;
  dims: { examples: number; classes: number; maxTokens: number; vocab: number };
}

export function buildBatch(examples: readonly BatchExample[], classTokens: readonly (readonly number[])[], vocab: number, padId = 0): BatchArrays {
  if (examples.length === 0) throw new Error('soft prompt batch: no examples');
  const generation = examples[0]!.target !== undefined;
  const perExampleClasses = (ex: BatchExample): (readonly number[])[] => {
    if (generation) {
      if (!ex.target || ex.target.length === 0) throw new Error('soft prompt batch: a generation example has no target tokens');
      return [ex.target];
    }
    return classTokens.map((t) => t);
  };
  const C = generation ? 1 : classTokens.length;
  if (C === 0) throw new Error('soft prompt batch: no classes');
  const K = Math.max(...examples.flatMap((ex) => perExampleClasses(ex).map((t) => t.length)));
  const rowTokens: number[][] = [];
  /** [example][class] → {row, offset} where offset = index of the prompt's last token. */
  const placements: { row: number; start: number }[][] = [];
  for (const ex of examples) {
    if (ex.ids.length === 0) throw new Error('soft prompt batch: an example has no prompt tokens');
    const classes = perExampleClasses(ex);
    if (classes.some((t) => t.length === 0)) throw new Error('soft prompt batch: a verbalizer encodes to no tokens');
    const { extras, rowOfClass } = sharedRows(classes);
    const first = rowTokens.length;
    for (const extra of extras) rowTokens.push([...ex.ids, ...extra]);
    placements.push(rowOfClass.map((r) => ({ row: first + r, start: ex.ids.length - 1 })));
  }
  const R = rowTokens.length;
  const T = Math.max(...rowTokens.map((r) => r.length));
  const inputIds = new BigInt64Array(R * T).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(R * T);
  const positionIds = new BigInt64Array(R * T);
  rowTokens.forEach((row, r) => {
    for (let t = 0; t < T; t++) {
      positionIds[r * T + t] = BigInt(t);
      if (t < row.length) {
        inputIds[r * T + t] = BigInt(row[t]!);
        attentionMask[r * T + t] = 1n;
      }
    }
  });
  const E = examples.length;
  const scoreRows = new BigInt64Array(E * C * K);
  const scoreTokens = new BigInt64Array(E * C * K);
  const scoreMask = new Float32Array(E * C * K);
  const labelWeights = new Float32Array(E * C);
  const totalTargets = generation ? examples.reduce((s, ex) => s + ex.target!.length, 0) : 0;
  examples.forEach((ex, e) => {
    const classes = perExampleClasses(ex);
    classes.forEach((tokens, c) => {
      const { row, start } = placements[e]![c]!;
      tokens.forEach((tok, k) => {
        if (tok < 0 || tok >= vocab) throw new Error(`soft prompt batch: token id ${tok} is outside the vocabulary (${vocab})`);
        const at = (e * C + c) * K + k;
        scoreRows[at] = BigInt(row * T + start + k);
        scoreTokens[at] = BigInt(tok);
        scoreMask[at] = 1;
      });
    });
    // The loss graph sums: a one-hot carrying 1/E gives the mean over examples.
    if (generation) labelWeights[e] = 1 / totalTargets;
    else {
      const label = ex.label;
      if (label === undefined || label < 0 || label >= C) throw new Error(`soft prompt batch: example ${e} has no valid class label`);
      labelWeights[e * C + label] = 1 / E;
    }
  });
  return { rows: R, seqLen: T, inputIds, attentionMask, positionIds, scoreRows, scoreTokens, scoreMask, labelWeights, dims: { examples: E, classes: C, maxTokens: K, vocab } };
}

/**
 * The rows one example needs: per row the tokens after the prompt (a class's verbalizer but its
 * last token), and per class the row it reads. Longest verbalizers first, so shorter ones find
 * a row that already holds their prefix.
 */
function sharedRows(classes: readonly (readonly number[])[]): { extras: (readonly number[])[]; rowOfClass: number[] } {
  const extras: (readonly number[])[] = [];
  const rowOfClass = new Array<number>(classes.length);
  const order = classes.map((_, c) => c).sort((a, b) => classes[b]!.length - classes[a]!.length);
  for (const c of order) {
    const needed = classes[c]!.slice(0, -1);
    let row = extras.findIndex((extra) => needed.every((tok, i) => extra[i] === tok));
    if (row < 0) row = extras.push(needed) - 1;
    rowOfClass[c] = row;
  }
  return { extras, rowOfClass };
}

/**
 * Splits examples, in order, into consecutive groups whose batches fit `fits(rows, seqLen)`
 * (a group of one example always passes). A batch is scored group by group when one run of all
 * of it would hold too many activations at once.
 */
export function splitToFit(examples: readonly BatchExample[], classTokens: readonly (readonly number[])[], fits: (shape: BatchShape) => boolean): BatchExample[][] {
  const groups: BatchExample[][] = [];
  let current: BatchExample[] = [];
  let shape: BatchShape = { rows: 0, seqLen: 0, examples: 0, classes: 0, maxTokens: 0 };
  for (const ex of examples) {
    const classes = ex.target ? [ex.target] : classTokens;
    const { extras } = sharedRows(classes);
    const next: BatchShape = {
      rows: shape.rows + extras.length,
      seqLen: Math.max(shape.seqLen, ex.ids.length + Math.max(0, ...extras.map((e) => e.length))),
      examples: shape.examples + 1,
      classes: classes.length,
      maxTokens: Math.max(shape.maxTokens, ...classes.map((c) => c.length)),
    };
    if (current.length > 0 && !fits(next)) {
      groups.push(current);
      current = [ex];
      shape = { ...next, rows: extras.length, seqLen: ex.ids.length + Math.max(0, ...extras.map((e) => e.length)), examples: 1, maxTokens: Math.max(...classes.map((c) => c.length)) };
    } else {
      current.push(ex);
      shape = next;
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}