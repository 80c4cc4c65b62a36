// `Evaluate` for a .prompt file: its task's dev set (or any dataset given), scored on the
// model with every label's verbalizer; recorded as an 'eval' run when a workspace is given.
import { dirname, resolve } from 'node:path';
import { type ParsedPromptFile, readPromptFile, renderPromptFile, resolveModelRef } from '../../language/analysis/promptFile';
import type { TaskResult } from '../../protocol/taskEvents';
import { createRun, type RunHandle } from '../host/runStore';
import type { Device } from '../runtime/executionProviders';
import { analyzeSchema } from '../../language/analysis/schemaAnalysis';
import { modelService } from '../runtime/modelService';
import { score } from '../runtime/scoring';
import { evaluatePromptFileWithSoftPrompt, type SoftPromptFileEvaluation } from '../tuning/softprompt/softPromptFileEvaluation';
import { CONTENT_FREE_INPUTS } from './calibration';
import { loadDataset } from './dataset';
import { type EvaluationResult, evaluateClassification } from './evaluate';
import { promptTextForModel } from './promptText';
import { resolveTaskSpec } from './taskSpec';

export interface EvaluatePromptFileOptions {
  promptFile: string;
  /** Overrides the task's dev set (any JSONL/CSV whose fields match the schema, plus `label`). */
  data?: string;
  /** Overrides the file's `model:` (folder or hub id). */
  model?: string;
  device?: Device;
  cacheDir?: string;
  offline?: boolean;
  /** When set, the evaluation is recorded as a run under `<workspace>/.promptsmith/runs`. */
  workspaceDir?: string;
  /** A saved soft prompt (PEFT adapter folder) to evaluate with; default: the file's promptsmith.softPrompt.adapter. */
  softPrompt?: string;
  /** Ignore the file's promptsmith.softPrompt.adapter (plain template). */
  noSoftPrompt?: boolean;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export interface PromptEvaluation extends Omit<EvaluationResult, 'examples'>, Partial<Pick<SoftPromptFileEvaluation, 'manual_accuracy' | 'soft_prompt' | 'num_virtual_tokens' | 'loss'>> {
  device: string;
  model: string;
  data: string;
  runDir?: string;
}

/** The adapter folder an evaluation or run uses: the explicit one, else the file's `promptsmith.softPrompt.adapter` (relative to the file). */
export function softPromptDirOf(parsed: ParsedPromptFile, promptFile: string, options: { softPrompt?: string; noSoftPrompt?: boolean }): string | undefined {
  if (options.noSoftPrompt) return undefined;
  if (options.softPrompt !== undefined) return resolve(options.softPrompt);
  const adapter = parsed.softPrompt?.adapter;
  return adapter === undefined ? undefined : resolve(dirname(promptFile), adapter);
}

/** The model a prompt file asks for: an explicit override, else its `model:` key. */
export function modelSpecOf(parsed: ParsedPromptFile, promptFile: string, override?: string): string {
  const spec = override ?? parsed.model;
  if (!spec) throw new Error(`${promptFile}: no model (add 'model:' to the front matter or set promptsmith.model)`);
  const ref = resolveModelRef(spec, promptFile);
  return ref.kind === 'folder' ? ref.path : ref.id;
}

/** The template's variables set to a content-free value, for contextual calibration. */
function contentFreeInput(parsed: ParsedPromptFile, value: string): Record<string, unknown> {
  const declared = analyzeSchema(parsed, 'input').fields.map((f) => f.name);
  return Object.fromEntries((declared.length > 0 ? declared : ['text']).map((n) => [n, value]));
}

/** Runs an evaluation, recorded as an 'eval' run (progress, result, status) when a workspace is given. */
async function recordedEvaluation(
  options: EvaluatePromptFileOptions,
  parsed: ParsedPromptFile,
  record: { model: string; device: string; settings: Record<string, string> },
  evaluate: (onProgress: (done: number, total: number) => void) => Promise<Omit<PromptEvaluation, 'runDir'>>,
): Promise<PromptEvaluation> {
  let run: RunHandle | undefined;
  if (options.workspaceDir) {
    const name = parsed.path ? parsed.path.replace(/^.*[\\/]/, '').replace(/\.prompt$/, '') : 'prompt';
    run = createRun(options.workspaceDir, { kind: 'eval', name, promptFile: options.promptFile, ...record });
    run.setStatus('running');
  }
  const started = Date.now();
  try {
    const result = await evaluate((done, total) => {
      options.onProgress?.(done, total);
      run?.appendEvent({ type: 'progress', step: done, totalSteps: total, elapsed_s: (Date.now() - started) / 1000 });
    });
    run?.update({ device: result.device });
    const evaluation: PromptEvaluation = { ...result, runDir: run?.dir };
    run?.writeResult(evaluationTaskResult(evaluation));
    run?.setStatus('completed');
    return evaluation;
  } catch (err) {
    run?.setStatus(options.signal?.aborted ? 'cancelled' : 'failed', (err as Error).message);
    throw err;
  } finally {
    run?.close();
  }
}


export async function evaluatePromptFile(options: EvaluatePromptFileOptions): Promise<PromptEvaluation> {
  const { promptFile } = options;
  const parsed = readPromptFile(promptFile);
  const task = resolveTaskSpec(parsed.task, promptFile);
  const data = options.data ?? task.dev ?? task.train;
  if (!data) throw new Error(`${promptFile}: promptsmith.task has no dev (or train) dataset, and no --data was given`);
  const labels = Object.keys(task.labels);
  const dataset = await loadDataset(data, { labels });
  const modelSpec = modelSpecOf(parsed, promptFile, options.model);
  const softPrompt = softPromptDirOf(parsed, promptFile, options);
  if (softPrompt) return evaluateWithSoftPrompt(options, parsed, { data, modelSpec, softPrompt });
  const model = await modelService.model({ model: modelSpec, device: options.device, cacheDir: options.cacheDir, offline: options.offline });
  const baseDir = dirname(promptFile);
  const render = async (input: Record<string, unknown>) => promptTextForModel(await renderPromptFile(parsed, input, { baseDir, softPromptSlots: 'empty' }), model.tokenizer);

  return recordedEvaluation(options, parsed, { model: modelSpec, device: model.provider, settings: { data } }, async (onProgress) => {
    const { examples: _examples, ...summary } = await evaluateClassification({
      rows: dataset.rows,
      labels: task.labels,
      render: (row) => render(row.fields),
      contentFreePrompts: await Promise.all(CONTENT_FREE_INPUTS.map((v) => render(contentFreeInput(parsed, v)))),
      score: async (prompts, continuations, signal) => (await score(model, prompts, continuations, { signal })).items.map((i) => i.logprob),
      signal: options.signal,
      onProgress,
    });
    return { ...summary, device: model.provider, model: modelSpec, data };
  });
}

export function evaluationTaskResult(e: PromptEvaluation): TaskResult {
  const soft = e.soft_prompt === undefined ? '' : ` with soft prompt ${e.soft_prompt} (manual template ${((e.manual_accuracy ?? 0) * 100).toFixed(1)}%)`;
  return {
    metrics: { dev_acc: e.accuracy, calibrated_acc: e.calibrated.accuracy, n: e.n, ...(e.manual_accuracy === undefined ? {} : { manual_acc: e.manual_accuracy }) },
    summary: `accuracy ${(e.accuracy * 100).toFixed(1)}% (calibrated ${(e.calibrated.accuracy * 100).toFixed(1)}%) on ${e.n} rows of ${e.data}${soft}`,
  };
}

/** The evaluation with a saved soft prompt's virtual tokens, recorded like a plain one (the adapter noted in its settings). */
async function evaluateWithSoftPrompt(options: EvaluatePromptFileOptions, parsed: ParsedPromptFile, what: { data: string; modelSpec: string; softPrompt: string }): Promise<PromptEvaluation> {
  const { promptFile } = options;
  // An adapter is trained for one model: the file's.
  if (options.model !== undefined) throw new Error(`${promptFile}: a soft prompt (${what.softPrompt}) belongs to the file's model; --model cannot replace it`);
  return recordedEvaluation(options, parsed, { model: what.modelSpec, device: options.device ?? 'auto', settings: { data: what.data, softPrompt: what.softPrompt } }, async (onProgress) => {
    const result = await evaluatePromptFileWithSoftPrompt({
      promptFile,
      adapterDir: what.softPrompt,
      data: what.data,
      contentFreeInputs: CONTENT_FREE_INPUTS.map((v) => contentFreeInput(parsed, v)),
      device: options.device,
      signal: options.signal,
      onProgress,
    });
    return { ...result, model: what.modelSpec, data: what.data };
  });
}
