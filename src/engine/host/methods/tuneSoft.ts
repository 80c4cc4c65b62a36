// `tuneSoft`: soft prompt tuning as a queued task recorded in a run folder (artifactRuns.ts: the
// adapter goes to `out`, else to adapter/ in the run; `resume` continues the same run record).
import { basename, dirname, join } from 'node:path';
import { modelSpecOf, readPromptFile } from '../../../promptFile/promptFile';
import { SOFT_PROMPT_SETTINGS } from '../../../promptFile/promptsmithSettings';
import type { SoftPromptOverrides, TuneSoftResult } from '../../../protocol/methods/tuneSoft';
import type { TaskResult } from '../../../protocol/taskEvents';
import { tuneSoftPrompt } from '../../tuning/softprompt/tuneSoftPrompt';
import { openArtifactRun } from '../artifactRuns';
import { pathInRun, runTask } from '../taskRuns';
import type { MethodHandler } from './requestContext';
import { formatPercent } from '../../../protocol/format';

/** What the runs panel shows: accuracies by split, the soft prompt as its nearest tokens. */
export function softTaskResult(r: Omit<TuneSoftResult, 'run_dir'>, adapterPath: string): TaskResult {
  const metrics: Record<string, number> = { best_step: r.best_step, steps_run: r.steps_run };
  for (const key of ['train_acc', 'dev_acc', 'test_acc', 'manual_train_acc', 'manual_dev_acc', 'manual_test_acc'] as const) {
    const value = r[key];
    if (value !== null) metrics[key] = value;
  }
  const accuracies = { ...(r.train_acc === null ? {} : { train_acc: r.train_acc }), ...(r.dev_acc === null ? {} : { dev_acc: r.dev_acc }), ...(r.test_acc === null ? {} : { test_acc: r.test_acc }) };
  return {
    metrics,
    bestPrompts: [{ text: r.nearest.map((row) => row[0]?.token ?? '?').join(' '), tokens: r.nearest.map((row) => row[0]?.token ?? '?'), ids: r.nearest.map((row) => row[0]?.id ?? -1), ...accuracies }],
    artifacts: { adapter: adapterPath },
    summary: `soft prompt (${r.num_virtual_tokens} tokens, ${r.method} on ${r.device}): dev ${formatPercent(r.dev_acc)} (manual ${formatPercent(r.manual_dev_acc)}), test ${formatPercent(r.test_acc)} (manual ${formatPercent(r.manual_test_acc)})`,
  };
}

export const tuneSoft: MethodHandler<'tuneSoft'> = async (params, ctx) => {
  const model = modelSpecOf(readPromptFile(params.promptFile), params.promptFile);
  const { run, out, overrides, resume } = openArtifactRun({ ...params, kind: 'soft', model, settings: SOFT_PROMPT_SETTINGS, artifactName: 'adapter' });
  return runTask(ctx, {
    model,
    label: `tune soft ${basename(params.promptFile)}`,
    run,
    async execute(task) {
      const summary = await tuneSoftPrompt({
        promptFile: params.promptFile,
        overrides: overrides as SoftPromptOverrides,
        out,
        resume,
        device: params.device,
        checkpointEvery: params.checkpointEvery,
        ...task,
        onCheckpoint: (step, file) => task.emit({ type: 'checkpoint', step, path: pathInRun(run, dirname(file)) }),
      });
      return { value: { ...summary, run_dir: run.dir }, record: softTaskResult(summary, pathInRun(run, join(out, 'adapter_config.json'))) };
    },
  });
};
