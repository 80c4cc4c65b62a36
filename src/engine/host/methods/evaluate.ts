// `evaluate`: a .prompt file's classification task, queued on its model like every long task (so
// it never runs beside a tuning run on the same model), recorded as an 'eval' run when the
// client names a workspace.
import { basename } from 'node:path';
import { createRun } from '../../../runs/runWriter';
import { evaluatePromptFile, evaluationTaskResult, planEvaluation } from '../../tasks/evaluatePromptFile';
import { runTask } from '../taskRuns';
import type { MethodHandler } from './requestContext';

export const evaluate: MethodHandler<'evaluate'> = async (params, ctx) => {
  const { workspaceDir, ...options } = params;
  const plan = planEvaluation(options);
  const settings: Record<string, string> = plan.softPrompt ? { data: plan.data, softPrompt: plan.softPrompt } : { data: plan.data };
  const run = workspaceDir
    ? createRun(workspaceDir, { kind: 'eval', name: basename(params.promptFile, '.prompt'), promptFile: params.promptFile, model: plan.model, device: params.device ?? 'auto', settings })
    : undefined;
  return runTask(ctx, {
    model: plan.model,
    label: `evaluate ${basename(params.promptFile)}`,
    run,
    async execute(task) {
      const evaluation = await evaluatePromptFile({ ...options, ...task });
      const value = run ? { ...evaluation, runDir: run.dir } : evaluation;
      return { value, record: evaluationTaskResult(evaluation) };
    },
  });
};
