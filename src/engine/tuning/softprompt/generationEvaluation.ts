// How a soft prompt tuned on a generation task is measured, per split, beside the hand-written
// template: the mean log-likelihood of the reference per token (teacher forcing, the quantity the
// generation loss minimises) and, for exact / contains / regex tasks, that metric on the greedy
// output the file's `config` (maxOutputTokens, stopSequences) gives, as `run` would produce it.
import { stripSoftPromptMarkers } from '../../../promptFile/promptFile';
import type { GenerationSplitScores } from '../../../protocol/methods/tuneSoft';
import { generate } from '../../runtime/generation';
import type { LanguageModel } from '../../runtime/languageModel';
import { textMetric } from '../../tasks/generationMetrics';
import type { BatchExample } from './batchFeeds';
import type { SoftPromptObjective } from './objective';
import type { SoftPromptAdapter } from './peft';
import { generateWithSoftPrompt } from './softPromptGeneration';
import type { GenerationTask, RenderedSplit } from './taskData';

export interface GenerationEvaluationContext {
  task: GenerationTask;
  /** Loads the model for generation only when a text metric needs it. */
  model: () => Promise<LanguageModel>;
  maxTokens: number;
  stop?: string[];
  signal?: AbortSignal;
}

/** Σ log p(reference tokens) ÷ #reference tokens, from the loss graph's per-example scores. */
async function loglikPerToken(objective: SoftPromptObjective, prompt: Float32Array | undefined, examples: BatchExample[], signal?: AbortSignal): Promise<number> {
  const { classScores } = await objective.evaluate(prompt, examples, signal);
  const tokens = examples.reduce((n, ex) => n + ex.target!.length, 0);
  return classScores.reduce((s, row) => s + row[0]!, 0) / tokens;
}

/** Scores of one prompt (a soft prompt `adapter`, or none: the hand-written template) on one split. */
export async function generationScores(
  ctx: GenerationEvaluationContext,
  split: RenderedSplit,
  examples: BatchExample[],
  objective: SoftPromptObjective,
  adapter: SoftPromptAdapter | undefined,
): Promise<GenerationSplitScores> {
  const loglik = await loglikPerToken(objective, adapter?.embeddings, examples, ctx.signal);
  if (ctx.task.metric === 'loglik') return { loglik_per_token: loglik, score: null };
  const metric = textMetric(ctx.task.metric);
  const model = await ctx.model();
  let total = 0;
  for (const [i, text] of split.texts.entries()) {
    const options = { maxTokens: ctx.maxTokens, stop: ctx.stop, greedy: true, signal: ctx.signal };
    const output = adapter ? await generateWithSoftPrompt(model, adapter, text, { ...options, slot: adapter.slot }) : await generate(model, stripSoftPromptMarkers(text), options);
    total += metric(output.text, split.references![i]!);
  }
  return { loglik_per_token: loglik, score: total / split.texts.length };
}
