// `fineTune`: full or LoRA fine tuning as a queued task recorded in a run folder (artifactRuns.ts:
// the model or adapter goes to `out`, else to model/ in the run; `resume` continues the run).
import { basename, dirname } from 'node:path';
import { modelSpecOf, readPromptFile } from '../../../promptFile/promptFile';
import { FINETUNE_SETTINGS } from '../../../promptFile/promptsmithSettings';
import { formatPercent } from '../../../protocol/format';
import type { FineTuneResult } from '../../../protocol/methods/fineTune';
import type { TaskResult } from '../../../protocol/taskEvents';
import { fineTune as runFineTune } from '../../tuning/finetune/fineTune';
import { budgetStop } from '../../tasks/taskHooks';
import { openArtifactRun } from '../artifactRuns';
import { pathInRun, runTask } from '../taskRuns';
import type { MethodHandler } from './requestContext';

/** What the runs panel shows: accuracies by split against the base model, size, the artifact. */
export function fineTuneTaskResult(r: Omit<FineTuneResult, 'run_dir'>, artifactPath: string | undefined): TaskResult {
  const metrics: Record<string, number> = { best_step: r.best_step, steps_run: r.steps_run, trainable_params: r.trainable_params };
  for (const split of ['train', 'dev', 'test'] as const) {
    const tuned = r[`${split}_acc`];
    const manual = r.manual[`${split}_acc`];
    if (tuned !== null) metrics[`${split}_acc`] = tuned;
    if (manual !== null) metrics[`manual_${split}_acc`] = manual;
  }
  return {
    metrics,
    ...(artifactPath ? { artifacts: { [r.method === 'lora' ? 'adapter' : 'model']: artifactPath } } : {}),
    summary: `${r.method === 'lora' ? 'LoRA' : 'full'} fine tuning (${r.trainable_params} parameters on ${r.device}): dev ${formatPercent(r.dev_acc)} (base ${formatPercent(r.manual.dev_acc)}), test ${formatPercent(r.test_acc)} (base ${formatPercent(r.manual.test_acc)})`,
  };
}

export const fineTune: MethodHandler<'fineTune'> = async (params, ctx) => {
  const model = modelSpecOf(readPromptFile(params.promptFile), params.promptFile);
  const { run, out, overrides, resume } = openArtifactRun({ ...params, kind: 'finetune', model, settings: FINETUNE_SETTINGS, artifactName: 'model' });
  return runTask(ctx, {
    model,
    label: `fine tune ${basename(params.promptFile)}`,
    run,
    async execute(task) {
      const { settings: _used, ...result } = await runFineTune({
        promptFile: params.promptFile,
        overrides,
        out,
        resume,
        device: params.device,
        checkpointEvery: params.checkpointEvery,
        ...task,
        // The budget counts from when the task runs, not from when it was queued.
        shouldStop: budgetStop(params.timeBudgetS),
        onCheckpoint: (step, file) => task.emit({ type: 'checkpoint', step, path: pathInRun(run, dirname(file)) }),
      });
      return { value: { ...result, run_dir: run.dir }, record: fineTuneTaskResult(result, result.artifact ? pathInRun(run, result.artifact) : undefined) };
    },
  });
};
