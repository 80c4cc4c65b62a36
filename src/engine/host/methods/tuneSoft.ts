// `tuneSoft`: soft prompt tuning as a queued task recorded in a run folder (artifactRuns.ts: the
// adapter goes to `out`, else to adapter/ in the run; `resume` continues the same run record).
import { basename, dirname, join } from 'node:path';
import { modelSpecOf, readPromptFile } from '../../../promptFile/promptFile';
import { SOFT_PROMPT_SETTINGS } from '../../../promptFile/promptsmithSettings';
import type { SoftPromptOverrides, TuneSoftResult } from '../../../protocol/methods/tuneSoft';
import type { TaskResult } from '../../../protocol/taskEvents';
import { tuneSoftPrompt } from '../../tuning/softprompt/tuneSoftPrompt';
import { budgetStop } from '../../tasks/taskHooks';
import { openArtifactRun } from '../artifactRuns';
import { pathInRun, runTask } from '../taskRuns';
import type { MethodHandler } from './requestContext';
import { accuracyGap, devTitle, formatPercent, formatPoints } from '../../../protocol/format';

/** What the runs panel shows: accuracies by split, the soft prompt as its nearest tokens. */
/** One line for people: held-out first; dev named as the selecting split without test; generation by log-likelihood. */
function softSummary(r: Omit<TuneSoftResult, 'run_dir'>): string {
  const head = `soft prompt (${r.num_virtual_tokens} tokens, ${r.method} on ${r.device})`;
  const g = r.generation;
  if (g) {
    const split = g.tuned.test ? 'test' : 'dev';
    const loglik = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
    return `${head}: ${split === 'dev' ? devTitle(false) : split} log-likelihood per reference token ${loglik(g.tuned[split]?.loglik_per_token)} (hand-written ${loglik(g.manual[split]?.loglik_per_token)})`;
  }
  if (r.test_acc === null) return `${head}: train ${formatPercent(r.train_acc)}, ${devTitle(false)} ${formatPercent(r.dev_acc)} (hand-written ${formatPercent(r.manual_dev_acc)}); no test split`;
  const gap = accuracyGap({ train: r.train_acc, dev: r.dev_acc, test: r.test_acc });
  return `${head}: test ${formatPercent(r.test_acc)} (hand-written ${formatPercent(r.manual_test_acc)}), train ${formatPercent(r.train_acc)}, dev ${formatPercent(r.dev_acc)}, ${gap.title} ${formatPoints(gap.value)}`;
}

export function softTaskResult(r: Omit<TuneSoftResult, 'run_dir'>, adapterPath: string): TaskResult {
  const metrics: Record<string, number> = { best_step: r.best_step, steps_run: r.steps_run };
  for (const key of ['train_acc', 'dev_acc', 'test_acc', 'manual_train_acc', 'manual_dev_acc', 'manual_test_acc'] as const) {
    const value = r[key];
    if (value !== null) metrics[key] = value;
  }
  // Generation tasks: the reference's log-likelihood per token and the task's metric, by split.
  for (const [who, scores] of Object.entries(r.generation ? { '': r.generation.tuned, manual_: r.generation.manual } : {})) {
    for (const [split, s] of Object.entries(scores)) {
      metrics[`${who}${split}_loglik`] = s.loglik_per_token;
      if (s.score !== null) metrics[`${who}${split}_${r.generation!.metric}`] = s.score;
    }
  }
  const accuracies = { ...(r.train_acc === null ? {} : { train_acc: r.train_acc }), ...(r.dev_acc === null ? {} : { dev_acc: r.dev_acc }), ...(r.test_acc === null ? {} : { test_acc: r.test_acc }) };
  return {
    metrics,
    bestPrompts: [{ text: r.nearest.map((row) => row[0]?.token ?? '?').join(' '), tokens: r.nearest.map((row) => row[0]?.token ?? '?'), ids: r.nearest.map((row) => row[0]?.id ?? -1), ...accuracies }],
    artifacts: { adapter: adapterPath },
    summary: softSummary(r),
    ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}),
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
        // The budget counts from when the task runs, not from when it was queued.
        shouldStop: budgetStop(params.timeBudgetS),
        onCheckpoint: (step, file) => task.emit({ type: 'checkpoint', step, path: pathInRun(run, dirname(file)) }),
      });
      return { value: { ...summary, run_dir: run.dir }, record: softTaskResult(summary, pathInRun(run, join(out, 'adapter_config.json'))) };
    },
  });
};
