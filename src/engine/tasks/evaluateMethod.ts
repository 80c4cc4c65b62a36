// The engine method `evaluate`: a .prompt file's classification task, queued on its model like
// every long task (so it never runs beside a tuning run on the same model), with progress events.
import { expectRecord, type Json, optionalString } from '../../protocol/guards';
import { runQueued } from '../host/queuedTask';
import type { RequestContext } from '../host/methods';
import { parsePromptFileParams } from './promptFileParams';
import { type EvaluatePromptFileOptions, evaluatePromptFile, evaluationTaskResult, type PromptEvaluation } from './evaluatePromptFile';

type EvaluateParams = Omit<EvaluatePromptFileOptions, 'signal' | 'onProgress'>;

export function parseEvaluateParams(params: Json): EvaluateParams {
  const where = 'params';
  const p = expectRecord(params, where);
  return {
    ...parsePromptFileParams(p, where),
    data: optionalString(p, 'data', where),
    workspaceDir: optionalString(p, 'workspaceDir', where),
  };
}

export async function evaluateMethod(params: Json, ctx: RequestContext): Promise<Json> {
  const request = parseEvaluateParams(params);
  let evaluation: PromptEvaluation | undefined;
  await runQueued(ctx, {
    model: request.model ?? request.promptFile,
    label: `evaluate ${request.promptFile}`,
    async execute(task) {
      const started = Date.now();
      evaluation = await evaluatePromptFile({
        ...request,
        signal: task.signal,
        onProgress: (done, total) => task.emit({ type: 'progress', step: done, totalSteps: total, elapsed_s: (Date.now() - started) / 1000 }),
      });
      return evaluationTaskResult(evaluation);
    },
  });
  return JSON.parse(JSON.stringify(evaluation)) as Json;
}
