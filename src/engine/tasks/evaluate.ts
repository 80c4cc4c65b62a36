// Evaluation of a classification prompt on a labelled dataset: each row's prompt is scored
// against every label's verbalizer, class probabilities = softmax over the summed log-probs
// (multi-token verbalizers included), then accuracy, per-label metrics, the worst examples,
// and the same after contextual calibration.
import { calibrate, contentFreePrior } from './calibration';
import type { DatasetRow } from './dataset';
import type { ClassificationMetrics, ExampleResult } from '../../protocol/methods/evaluate';
import { argmaxLabel, classificationMetrics } from './metrics';

/** Summed log-probability of each continuation after its prompt (same length arrays). */
export type ScoreFn = (prompts: string[], continuations: string[], signal?: AbortSignal) => Promise<number[]>;

export interface EvaluateOptions {
  rows: readonly DatasetRow[];
  /** label → verbalizer */
  labels: Record<string, string>;
  /** The rendered prompt for a row. */
  render(row: DatasetRow): Promise<string>;
  /** Rendered content-free prompts ("N/A" in every variable …) for calibration. */
  contentFreePrompts: readonly string[];
  score: ScoreFn;
  /** Rows per scoring call. */
  batchSize?: number;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

export interface EvaluationResult extends ClassificationMetrics {
  calibrated: ClassificationMetrics & { prior: Record<string, number> };
  /** The rows the prompt got most wrong (lowest probability of the gold label). */
  worst: ExampleResult[];
  examples: ExampleResult[];
}

export function softmaxScores(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Class probabilities of each prompt: one scoring call over prompts × labels. */
export async function labelProbabilities(prompts: readonly string[], labels: Record<string, string>, score: ScoreFn, signal?: AbortSignal): Promise<Record<string, number>[]> {
  const names = Object.keys(labels);
  const ps: string[] = [];
  const cs: string[] = [];
  for (const p of prompts) {
    for (const name of names) {
      ps.push(p);
      cs.push(labels[name]!);
    }
  }
  const logprobs = await score(ps, cs, signal);
  return prompts.map((_, i) => {
    const probs = softmaxScores(names.map((_, j) => logprobs[i * names.length + j]!));
    return Object.fromEntries(names.map((n, j) => [n, probs[j]!]));
  });
}

export async function evaluateClassification(opts: EvaluateOptions): Promise<EvaluationResult> {
  const names = Object.keys(opts.labels);
  const batch = Math.max(1, opts.batchSize ?? 8);
  const labelled = opts.rows.filter((r) => r.label !== undefined);
  if (labelled.length === 0) throw new Error('evaluation needs labelled rows (a "label" field)');
  const examples: ExampleResult[] = [];
  for (let start = 0; start < labelled.length; start += batch) {
    if (opts.signal?.aborted) throw new Error('evaluation cancelled');
    const chunk = labelled.slice(start, start + batch);
    const prompts = await Promise.all(chunk.map((r) => opts.render(r)));
    const probs = await labelProbabilities(prompts, opts.labels, opts.score, opts.signal);
    chunk.forEach((row, i) => {
      const p = probs[i]!;
      examples.push({ line: row.line, prompt: prompts[i]!, gold: row.label!, predicted: argmaxLabel(p, names), probs: p });
    });
    opts.onProgress?.(examples.length, labelled.length);
  }
  const gold = examples.map((e) => e.gold);
  const metrics = classificationMetrics(gold, examples.map((e) => e.predicted), names);
  const prior = contentFreePrior(await labelProbabilities(opts.contentFreePrompts, opts.labels, opts.score, opts.signal), names);
  const calibratedPredictions = examples.map((e) => argmaxLabel(calibrate(e.probs, prior, names), names));
  const worst = [...examples].sort((a, b) => (a.probs[a.gold] ?? 0) - (b.probs[b.gold] ?? 0)).slice(0, 5);
  return { ...metrics, calibrated: { ...classificationMetrics(gold, calibratedPredictions, names), prior }, worst, examples };
}
