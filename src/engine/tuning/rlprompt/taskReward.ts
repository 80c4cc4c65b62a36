// Scores a set of prompts on a set of examples through the TaskScorer and turns the results
// into per-prompt rewards: classification by RLPrompt's gap reward, generation by the task's
// metric (mean over examples; for loglik the mean log-probability of the references).
import { textMetric } from '../../tasks/generationMetrics';
import type { SlotExample, SlotPrompt, TaskScorer } from '../../tasks/taskScorer';
import type { GenerationMetric } from '../../tasks/taskSpec';
import { classificationReward, type PromptReward } from './reward';

export type PromptScorer = (prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal) => Promise<PromptReward[]>;

export interface TaskRewardOptions {
  lambda1: number;
  lambda2: number;
  /** Generation tasks. */
  metric?: GenerationMetric;
  /** Generation tasks: new tokens per output. */
  maxTokens?: number;
}

export function promptScorer(scorer: TaskScorer, options: TaskRewardOptions): PromptScorer {
  const metric = options.metric;
  if (metric === undefined) {
    return async (prompts, examples, signal) => {
      const scores = await scorer.classScores(prompts, examples, signal);
      const labels = examples.map((e) => e.label!);
      return scores.map((perExample) => classificationReward(perExample, labels, { lambda1: options.lambda1, lambda2: options.lambda2 }));
    };
  }
  const summary = (values: number[]): PromptReward => {
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    return { reward: mean, accuracy: mean, balancedAccuracy: mean, labelsPredicted: 0 };
  };
  if (metric === 'loglik') {
    return async (prompts, examples, signal) => (await scorer.referenceLogprobs(prompts, examples, signal)).map(summary);
  }
  const score = textMetric(metric);
  return async (prompts, examples, signal) => {
    const outputs = await scorer.generate(prompts, examples, { maxTokens: options.maxTokens ?? 32 }, signal);
    return outputs.map((perExample) => summary(perExample.map((out, e) => score(out, examples[e]!.reference ?? ''))));
  };
}
