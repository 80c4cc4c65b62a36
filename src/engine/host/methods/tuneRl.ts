// `tuneRl`: RL prompt tuning or random search for a slot of a .prompt file, as a queued task
// recorded in a run folder (artifactRuns.ts: the found prompts and checkpoints go to `out`, else
// to prompts/ in the run; `resume` continues the same run with the slot and method it recorded).
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { modelSpecOf, readPromptFile } from '../../../promptFile/promptFile';
import { RL_SETTINGS } from '../../../promptFile/promptsmithSettings';
import { formatPercent } from '../../../protocol/format';
import { bestPromptRowsOf, type RlSearchMethod, type SourceRange, type TuneRlParams } from '../../../protocol/methods/tuneRl';
import type { BestPromptRow, TaskEvent, TaskResult } from '../../../protocol/taskEvents';
import { budgetStop } from '../../tasks/taskHooks';
import { parseSlotPosition } from '../../tuning/rlprompt/slot';
import type { RlSettings } from '../../tuning/rlprompt/settings';
import type { BestPrompt } from '../../tuning/rlprompt/searchLoop';
import { RL_RESULT_FILE, randomSearch, type TuneRlEvent, type TuneRlResult, tuneRl as runTuneRl } from '../../tuning/rlprompt/tuneRl';
import { recordedRange } from '../../../runs/runMeta';
import { openArtifactRun } from '../artifactRuns';
import { pathInRun, runTask } from '../taskRuns';
import type { MethodHandler } from './requestContext';

function promptRow(p: BestPrompt): BestPromptRow {
  const row: BestPromptRow = { text: p.text, tokens: p.tokens, ids: p.ids, reward: p.reward, train_acc: p.train_acc };
  if (Number.isFinite(p.dev_acc)) row.dev_acc = p.dev_acc;
  return row;
}

/** The search's own events as the pipeline's task events (the panel's curves and table). */
export function taskEventOf(e: TuneRlEvent): TaskEvent {
  switch (e.type) {
    case 'progress': {
      const eta = e.steps_per_s > 0 ? (e.totalSteps - e.step) / e.steps_per_s : undefined;
      return {
        type: 'progress',
        step: e.step,
        totalSteps: e.totalSteps,
        reward: e.reward_mean,
        train_acc: e.acc_mean,
        ...(e.dev_acc === undefined ? {} : { dev_acc: e.dev_acc }),
        ...(e.loss === undefined ? {} : { loss: e.loss }),
        steps_per_s: e.steps_per_s,
        elapsed_s: e.elapsed_s,
        ...(eta === undefined ? {} : { eta_s: eta }),
      };
    }
    case 'bestPrompts':
      return { type: 'bestPrompts', step: e.step, rows: e.prompts.map(promptRow) };
    case 'device':
      return e;
    case 'message':
      return { type: 'message', level: 'warning', message: e.message };
  }
}

/** What the runs panel shows: the found prompts with their accuracies beside the written slot's. */
export function rlTaskResult(r: TuneRlResult, resultFile: string): TaskResult {
  const best = r.prompts[0];
  const metrics: Record<string, number> = { steps_run: r.steps_run, evaluations: r.evaluations, trainable_params: r.trainable_params };
  for (const split of ['train', 'dev', 'test'] as const) {
    const tuned = best?.[`${split}_acc`];
    const manual = r.written[`${split}_acc`];
    if (tuned !== undefined && tuned !== null) metrics[`${split}_acc`] = tuned;
    if (manual !== null) metrics[`manual_${split}_acc`] = manual;
  }
  const name = r.method === 'rl' ? 'RL prompt' : 'random search';
  const held = best && best.test_acc !== null ? `test ${formatPercent(best.test_acc)} (hand-written ${formatPercent(r.written.test_acc)})` : `dev ${formatPercent(best?.dev_acc)} (hand-written ${formatPercent(r.written.dev_acc)}); no test split`;
  return {
    metrics,
    bestPrompts: bestPromptRowsOf(r.prompts),
    artifacts: { prompts: resultFile },
    summary: best ? `${name} ${JSON.stringify(best.text)} on ${r.device}: ${held}, ${r.evaluations} reward evaluations` : `${name}: no prompt found`,
    ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}),
  };
}

function slotOf(params: TuneRlParams): SourceRange | undefined {
  if (params.slot) return params.slot;
  if (params.slotPosition === undefined) return undefined;
  return parseSlotPosition(readFileSync(params.promptFile, 'utf8'), params.slotPosition);
}

export const tuneRl: MethodHandler<'tuneRl'> = async (params, ctx) => {
  const model = modelSpecOf(readPromptFile(params.promptFile), params.promptFile, params.model);
  const requested = slotOf(params);
  const kind: RlSearchMethod = params.method ?? 'rl';
  const { run, out, overrides, resume } = openArtifactRun({
    ...params,
    kind,
    model,
    settings: RL_SETTINGS,
    artifactName: 'prompts',
    record: requested ? { slot: { start: requested.start, end: requested.end } } : undefined,
  });
  // A resumed run fills the slot and uses the method it recorded.
  const recorded = run.meta();
  const slot = (resume ? recordedRange(recorded, 'slot') : undefined) ?? requested;
  const method = resume && (recorded.kind === 'rl' || recorded.kind === 'random') ? recorded.kind : kind;
  const search = method === 'rl' ? runTuneRl : randomSearch;
  return runTask(ctx, {
    model,
    label: `${method === 'rl' ? 'tune rl' : 'random search'} ${basename(params.promptFile)}`,
    run,
    async execute(task) {
      const result = await search({
        promptFile: params.promptFile,
        slot,
        overrides: overrides as Partial<RlSettings>,
        model: params.model,
        endpoint: params.endpoint,
        remote: params.remote,
        device: params.device,
        cacheDir: params.cacheDir,
        offline: params.offline,
        out,
        resume: resume ? out : undefined,
        checkpointEvery: params.checkpointEvery,
        signal: task.signal,
        beforeStep: task.beforeStep,
        pauseFor: task.pauseFor,
        // The budget counts from when the task runs, not from when it was queued.
        shouldStop: budgetStop(params.timeBudgetS),
        onEvent: (e) => task.emit(taskEventOf(e)),
        onCheckpoint: (step, file) => task.emit({ type: 'checkpoint', step, path: pathInRun(run, file) }),
      });
      const { settings: _used, ...wire } = result;
      return { value: { ...wire, out, run_dir: run.dir }, record: rlTaskResult(result, pathInRun(run, join(out, RL_RESULT_FILE))) };
    },
  });
};
