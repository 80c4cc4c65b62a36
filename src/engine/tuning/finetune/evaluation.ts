// Evaluating the model being fine-tuned on a split: forward only, in chunks so a large split
// fits in memory. Classification: accuracy from the class scores (the same argmax as soft
// prompts) and the mean cross-entropy per example; generation: the mean cross-entropy per
// target token (no accuracy).
import { type BatchExample, buildBatch } from '../softprompt/batchFeeds';
import { accuracy } from '../softprompt/objective';
import { type FineTuneSessions, runFineTuneBatch } from './trainingSession';

export type ObjectiveKind = 'classification' | 'generation';

export interface SplitEvaluation {
  loss: number;
  /** Classification only. */
  accuracy?: number;
  /** Per example: class scores (classification) or the summed target log-prob (generation). */
  scores: number[][];
}

export async function evaluateSplit(
  s: FineTuneSessions,
  examples: readonly BatchExample[],
  classTokens: readonly (readonly number[])[],
  options: { kind: ObjectiveKind; values?: Float32Array; chunk?: number; signal?: AbortSignal },
): Promise<SplitEvaluation> {
  const chunk = options.chunk ?? 16;
  let lossSum = 0;
  let weightSum = 0;
  const scores: number[][] = [];
  for (let i = 0; i < examples.length; i += chunk) {
    options.signal?.throwIfAborted();
    const part = examples.slice(i, i + chunk);
    const r = await runFineTuneBatch(s, buildBatch(part, classTokens, s.vocabSize), undefined, options.values);
    // The graph's loss is a mean over examples (classification) or over target tokens (generation).
    const weight = options.kind === 'generation' ? part.reduce((n, ex) => n + (ex.target?.length ?? 0), 0) : part.length;
    lossSum += r.loss * weight;
    weightSum += weight;
    const C = r.classScores.length / part.length;
    for (let e = 0; e < part.length; e++) scores.push(Array.from(r.classScores.subarray(e * C, (e + 1) * C)));
  }
  const loss = weightSum > 0 ? lossSum / weightSum : Number.NaN;
  return options.kind === 'classification' ? { loss, accuracy: accuracy(scores, examples), scores } : { loss, scores };
}
