// The function soft prompt tuning optimises: loss (and gradient) of a set of examples at a soft
// prompt, over the ORT session. Evaluation runs in chunks so a large dev set fits in memory, and
// a batch whose run would keep more activations than the session's budget runs in groups whose
// losses and gradients are summed with each group's share of the batch (the same function).
import { type BatchExample, buildBatch, splitToFit } from './batchFeeds';
import { type BatchResult, runBatch, type SoftPromptSessions } from './softPromptSession';

export interface Evaluation {
  /** Mean loss over the examples. */
  loss: number;
  /** Per example, the class scores (summed verbalizer log-probs). */
  classScores: number[][];
  accuracy: number;
}

export class SoftPromptObjective {
  constructor(
    readonly sessions: SoftPromptSessions,
    /** Token ids of each class's verbalizer (generation: unused). */
    readonly classTokens: number[][],
    readonly evalChunk = 16,
  ) {}

  get numVirtualTokens(): number {
    return this.sessions.numVirtualTokens;
  }

  get hidden(): number {
    return this.sessions.hidden;
  }

  /** One batch, with the gradient w.r.t. the soft prompt. */
  lossAndGrad(prompt: Float32Array, examples: readonly BatchExample[]): Promise<BatchResult> {
    return this.run(prompt, examples, true);
  }

  /** The batch in one run, or in groups that fit the activation budget, combined. */
  private async run(prompt: Float32Array | undefined, examples: readonly BatchExample[], withGrad: boolean): Promise<BatchResult> {
    const s = this.sessions;
    const estimate = s.activationBytes;
    const groups = estimate ? splitToFit(examples, this.classTokens, (shape) => estimate(shape) <= s.activationBudget) : [examples];
    if (groups.length === 1) return runBatch(s, prompt, buildBatch(examples, this.classTokens, s.vocabSize), withGrad);
    // Each group's loss is a mean over its examples (generation: its target tokens): weigh it by
    // its share of the batch.
    const share = (group: readonly BatchExample[]) => group.reduce((n, ex) => n + (ex.target ? ex.target.length : 1), 0);
    const total = share(examples);
    let loss = 0;
    const grad = withGrad ? new Float64Array(s.numVirtualTokens * s.hidden) : undefined;
    const classScores: Float32Array[] = [];
    for (const group of groups) {
      const r = await runBatch(s, prompt, buildBatch(group, this.classTokens, s.vocabSize), withGrad);
      const w = share(group) / total;
      loss += w * r.loss;
      if (grad) for (let i = 0; i < grad.length; i++) grad[i]! += w * r.grad![i]!;
      classScores.push(r.classScores);
    }
    const scores = new Float32Array(classScores.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of classScores) {
      scores.set(c, at);
      at += c.length;
    }
    return { loss, classScores: scores, grad: grad ? Float32Array.from(grad) : undefined };
  }

  /** Forward only, chunked; loss is the mean over all examples. */
  async evaluate(prompt: Float32Array | undefined, examples: readonly BatchExample[], signal?: AbortSignal): Promise<Evaluation> {
    let lossSum = 0;
    const classScores: number[][] = [];
    for (let i = 0; i < examples.length; i += this.evalChunk) {
      signal?.throwIfAborted();
      const chunk = examples.slice(i, i + this.evalChunk);
      const r = await this.run(prompt, chunk, false);
      lossSum += r.loss * chunk.length;
      const C = r.classScores.length / chunk.length;
      for (let e = 0; e < chunk.length; e++) classScores.push(Array.from(r.classScores.subarray(e * C, (e + 1) * C)));
    }
    return { loss: lossSum / examples.length, classScores, accuracy: accuracy(classScores, examples) };
  }
}

export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

export function accuracy(classScores: readonly (readonly number[])[], examples: readonly BatchExample[]): number {
  if (examples.length === 0) return 0;
  let right = 0;
  examples.forEach((ex, i) => {
    if (ex.label !== undefined && argmax(classScores[i]!) === ex.label) right++;
  });
  return right / examples.length;
}

/** Per-example cross-entropy over class scores: −log softmax(s)[y]. */
export function exampleLoss(scores: readonly number[], label: number): number {
  const max = Math.max(...scores);
  const lse = max + Math.log(scores.reduce((s, x) => s + Math.exp(x - max), 0));
  return lse - scores[label]!;
}
