// What a finished soft prompt run reports: the tuned and the hand-written prompt measured the
// same way on every split (test only reported, never selected on), the data warnings, and for
// generation tasks the reference log-likelihood and the task's metric instead of accuracies.
// A cancelled run keeps its adapter and checkpoint but measures nothing more.
import type { GenerationResult, TuneSoftResult } from '../../../protocol/methods/tuneSoft';
import type { LanguageModel } from '../../runtime/languageModel';
import type { BatchExample } from './batchFeeds';
import { generationScores } from './generationEvaluation';
import type { SoftPromptObjective } from './objective';
import type { SoftPromptAdapter } from './peft';
import { softPromptWarnings } from './softPromptWarnings';
import type { RenderedSplit, SoftPromptTask } from './taskData';
import type { TrainResult } from './trainer';

export interface MeasureContext {
  task: SoftPromptTask;
  tuned: SoftPromptObjective;
  manual: SoftPromptObjective;
  /** A split's examples with n virtual tokens placed (0: the hand-written template). */
  placed: (split: RenderedSplit | undefined, count: number) => BatchExample[];
  numVirtualTokens: number;
  training: TrainResult;
  adapter: SoftPromptAdapter;
  model: () => Promise<LanguageModel>;
  signal?: AbortSignal;
}

type Measured = Pick<TuneSoftResult, 'train_acc' | 'dev_acc' | 'test_acc' | 'manual_train_acc' | 'manual_dev_acc' | 'manual_test_acc' | 'warnings' | 'generation'>;

const SPLITS = ['train', 'dev', 'test'] as const;

export async function measureSoftPrompt(ctx: MeasureContext): Promise<Measured> {
  const { task, training, numVirtualTokens: n } = ctx;
  const skip = training.cancelled;
  const accuracyOn = async (o: SoftPromptObjective, prompt: Float32Array | undefined, examples: BatchExample[]) =>
    examples.length > 0 && !skip && !task.generation ? (await o.evaluate(prompt, examples, ctx.signal)).accuracy : null;
  const accuracies = {
    train_acc: await accuracyOn(ctx.tuned, training.prompt, ctx.placed(task.train, n)),
    dev_acc: task.generation || !Number.isFinite(training.devAcc) ? null : training.devAcc,
    test_acc: await accuracyOn(ctx.tuned, training.prompt, ctx.placed(task.test, n)),
    manual_train_acc: await accuracyOn(ctx.manual, undefined, ctx.placed(task.train, 0)),
    manual_dev_acc: await accuracyOn(ctx.manual, undefined, ctx.placed(task.dev, 0)),
    manual_test_acc: await accuracyOn(ctx.manual, undefined, ctx.placed(task.test, 0)),
  };
  const measured: Measured = { ...accuracies, warnings: softPromptWarnings(task, accuracies) };
  if (task.generation && !skip) {
    const parsedConfig = task.parsed.config;
    const stop = Array.isArray(parsedConfig.stopSequences) ? parsedConfig.stopSequences.filter((s): s is string => typeof s === 'string') : undefined;
    const maxTokens = typeof parsedConfig.maxOutputTokens === 'number' ? parsedConfig.maxOutputTokens : 64;
    const gen = { task: task.generation, model: ctx.model, maxTokens, stop, signal: ctx.signal };
    const result: GenerationResult = { metric: task.generation.metric, reference: task.generation.field, tuned: {}, manual: {} };
    for (const split of SPLITS) {
      const rendered = task[split];
      if (!rendered) continue;
      result.tuned[split] = await generationScores(gen, rendered, ctx.placed(rendered, n), ctx.tuned, ctx.adapter);
      result.manual[split] = await generationScores(gen, rendered, ctx.placed(rendered, 0), ctx.manual, undefined);
    }
    measured.generation = result;
  }
  return measured;
}
