// `Evaluate` for a .prompt file: its task's dev set (or any dataset given), scored on the model
// with every label's verbalizer (or with a saved soft prompt). Plain: the engine's `evaluate`
// method queues it and records the run.
import { dirname } from 'node:path';
import { modelSpecOf, type ParsedPromptFile, parsePromptFile, readPromptFile, type RenderedPromptFile, renderPromptFile, softPromptDirOf } from '../../promptFile/promptFile';
import type { EvaluateParams, PromptEvaluation } from '../../protocol/methods/evaluate';
import type { TaskResult } from '../../protocol/taskEvents';
import { analyzeSchema } from '../../promptFile/schemaAnalysis';
import { checkNoSoftPrompt, clientFor, type RemoteTarget, remoteDevice, remoteTargetOf } from '../remote/remoteTarget';
import { RemoteScorer } from '../remote/remoteScoring';
import { modelService } from '../runtime/modelService';
import { score } from '../runtime/scoring';
import { evaluatePromptFileWithSoftPrompt } from '../tuning/softprompt/softPromptFileEvaluation';
import { CONTENT_FREE_INPUTS } from './calibration';
import { type DatasetRow, loadDataset } from './dataset';
import { evaluateClassification, type ScoreFn } from './evaluate';
import { checkDistinctVerbalizers, checkPromptFits, checkRenderedRow, checkRowInputs } from './rowChecks';
import { promptTextForModel } from './promptText';
import type { TaskHooks } from './taskHooks';
import { evaluationWarnings } from './evaluationWarnings';
import { resolveTaskSpec } from './taskSpec';
import { formatPercent } from '../../protocol/format';

export interface EvaluatePromptFileOptions extends Omit<EvaluateParams, 'workspaceDir'>, TaskHooks {}

/** What an evaluation will score, known before any model is loaded (the run record needs it). */
export interface EvaluationPlan {
  parsed: ParsedPromptFile;
  /** The resolved model: an absolute folder or a hub id. */
  model: string;
  /** The labelled dataset scored. */
  data: string;
  labels: Record<string, string>;
  /** The adapter folder, when a soft prompt is used. */
  softPrompt?: string;
  /** Where an `openai-compatible/<name>` model is served. */
  remote?: RemoteTarget;
}

export function planEvaluation(options: EvaluatePromptFileOptions): EvaluationPlan {
  const { promptFile } = options;
  const parsed = options.source === undefined ? readPromptFile(promptFile) : Object.assign(parsePromptFile(options.source), { path: promptFile });
  const task = resolveTaskSpec(parsed.task, promptFile);
  const data = options.data ?? task.dev ?? task.train;
  if (!data) throw new Error(`${promptFile}: promptsmith.task has no dev (or train) dataset, and no --data was given`);
  const softPrompt = softPromptDirOf(parsed, promptFile, options);
  // An adapter is trained for one model: the file's.
  if (softPrompt && options.model !== undefined) throw new Error(`${promptFile}: a soft prompt (${softPrompt}) belongs to the file's model; --model cannot replace it`);
  const model = modelSpecOf(parsed, promptFile, options.model);
  const remote = remoteTargetOf(model, parsed, promptFile, options);
  checkNoSoftPrompt(remote, softPrompt, promptFile);
  return { parsed, model, data, labels: task.labels, softPrompt, remote };
}

/** The template's variables set to a content-free value, for contextual calibration. */
function contentFreeInput(parsed: ParsedPromptFile, value: string): Record<string, unknown> {
  const declared = analyzeSchema(parsed, 'input').fields.map((f) => f.name);
  return Object.fromEntries((declared.length > 0 ? declared : ['text']).map((n) => [n, value]));
}

/** Progress events every `batch` rows, as `evaluateClassification` reports them. */
function progressEmitter(hooks: TaskHooks): (done: number, total: number) => void {
  const started = Date.now();
  return (done, total) => hooks.emit?.({ type: 'progress', step: done, totalSteps: total, elapsed_s: (Date.now() - started) / 1000 });
}

type SplitEvaluation = Omit<PromptEvaluation, 'model' | 'data' | 'warnings'> & { correct: boolean[] };

/** Scores any labelled file of the task the same way (the model or the sessions opened once). */
interface Evaluator {
  evaluate(file: string, onProgress?: (done: number, total: number) => void): Promise<SplitEvaluation>;
  /** The verbalizer's token pieces, when the model's tokenizer is at hand. */
  tokenPieces?(text: string): string[];
}

/** What an evaluation scores with: the prompt text the model sees, and its scoring function. */
interface EvaluationScorer {
  device: string;
  promptText(rendered: RenderedPromptFile): string;
  score: ScoreFn;
  /** Rows per scoring call. */
  batchSize?: number;
  /** Refuses a rendered row the model cannot score (naming the file and line), where it can tell. */
  checkRow?(file: string, line: number, text: string): void;
  tokenPieces?(text: string): string[];
}

async function localEvaluationScorer(plan: EvaluationPlan, options: EvaluatePromptFileOptions): Promise<EvaluationScorer> {
  const model = await modelService.model({ model: plan.model, device: options.device, cacheDir: options.cacheDir, offline: options.offline });
  // The local tokenizer tells what a remote model's API hides: verbalizers that encode the same, and rows too long.
  const verbalizerIds = Object.values(plan.labels).map((v) => model.tokenizer.encode(v, { addSpecialTokens: false }));
  checkDistinctVerbalizers(plan.labels, verbalizerIds, options.promptFile);
  const longest = Math.max(...verbalizerIds.map((ids) => ids.length));
  return {
    device: model.provider,
    promptText: (rendered) => promptTextForModel(rendered, model.tokenizer),
    score: async (prompts, continuations, signal) => (await score(model, prompts, continuations, { signal })).items.map((i) => i.logprob),
    checkRow: (file, line, text) => checkPromptFits(file, line, model.encodePrompt(text).length, longest, model.contextLength()),
    tokenPieces: (text) => model.tokenizer.encode(text, { addSpecialTokens: false }).map((id) => model.tokenizer.idToToken(id) ?? `<${id}>`),
  };
}

/** A remote model sees the messages' text, as a local base model does (its server knows its own chat template; scoring has no chat form). */
function remoteEvaluationScorer(target: RemoteTarget): EvaluationScorer {
  const client = clientFor(target);
  const scorer = new RemoteScorer(client, target.name);
  // Enough rows per call to keep every allowed request busy (16 texts to a request).
  return { device: remoteDevice(target), promptText: (rendered) => rendered.text, score: (p, c, signal) => scorer.score(p, c, signal), batchSize: 8 * client.maxConcurrency };
}

async function plainEvaluator(options: EvaluatePromptFileOptions, plan: EvaluationPlan): Promise<Evaluator> {
  const { parsed } = plan;
  const scorer = plan.remote ? remoteEvaluationScorer(plan.remote) : await localEvaluationScorer(plan, options);
  options.emit?.({ type: 'device', device: scorer.device });
  const baseDir = dirname(options.promptFile);
  const render = async (input: Record<string, unknown>) => scorer.promptText(await renderPromptFile(parsed, input, { baseDir, softPromptSlots: 'empty' }));
  const contentFreePrompts = await Promise.all(CONTENT_FREE_INPUTS.map((v) => render(contentFreeInput(parsed, v))));
  return {
    async evaluate(file, onProgress) {
      const dataset = await loadDataset(file, { labels: Object.keys(plan.labels) });
      checkRowInputs(parsed, file, dataset.rows);
      const renderRow = async (row: DatasetRow) => {
        const text = await render(row.fields);
        checkRenderedRow(file, row, text);
        scorer.checkRow?.(file, row.line, text);
        return text;
      };
      const { examples, ...summary } = await evaluateClassification({
        rows: dataset.rows,
        labels: plan.labels,
        render: renderRow,
        contentFreePrompts,
        score: scorer.score,
        batchSize: scorer.batchSize,
        signal: options.signal,
        onProgress,
      });
      return { ...summary, device: scorer.device, correct: examples.map((e) => e.gold === e.predicted) };
    },
    tokenPieces: scorer.tokenPieces,
  };
}
/** With a saved soft prompt's virtual tokens (before BOS or at its slot, as tuned). */
function softPromptEvaluator(options: EvaluatePromptFileOptions, plan: EvaluationPlan, softPrompt: string): Evaluator {
  return {
    async evaluate(file, onProgress) {
      const result = await evaluatePromptFileWithSoftPrompt({
        promptFile: options.promptFile,
        adapterDir: softPrompt,
        data: file,
        contentFreeInputs: CONTENT_FREE_INPUTS.map((v) => contentFreeInput(plan.parsed, v)),
        device: options.device,
        signal: options.signal,
        onProgress,
      });
      options.emit?.({ type: 'device', device: result.device });
      return result;
    },
  };
}

/**
 * The evaluation on `data` (default: the task's dev set). Without an explicit `data`, the task's
 * other splits are scored too (train/dev/test side by side); test is reported, never selected on.
 */
export async function evaluatePromptFile(options: EvaluatePromptFileOptions): Promise<PromptEvaluation> {
  const plan = planEvaluation(options);
  // A bad dataset fails before the model loads.
  await loadDataset(plan.data, { labels: Object.keys(plan.labels) });
  const evaluator = plan.softPrompt ? softPromptEvaluator(options, plan, plan.softPrompt) : await plainEvaluator(options, plan);
  const { correct: mainCorrect, ...main } = await evaluator.evaluate(plan.data, progressEmitter(options));
  const result: PromptEvaluation = { ...main, model: plan.model, data: plan.data, warnings: [] };
  const task = resolveTaskSpec(plan.parsed.task, options.promptFile);
  const correct: NonNullable<PromptEvaluation['split_correct']> = {};
  if (options.data === undefined) {
    const splitAccuracy = async (split: 'train' | 'dev' | 'test') => {
      const file = task[split];
      if (file === undefined) return null;
      const scored = file === plan.data ? { accuracy: main.accuracy, correct: mainCorrect } : await evaluator.evaluate(file);
      correct[split] = scored.correct;
      return scored.accuracy;
    };
    result.split_accuracy = { train: await splitAccuracy('train'), dev: await splitAccuracy('dev'), test: await splitAccuracy('test') };
  }
  if (options.predictions && options.data === undefined) result.split_correct = correct;
  result.warnings = await evaluationWarnings(task, plan.data, result, evaluator.tokenPieces);
  return result;
}

export function evaluationTaskResult(e: PromptEvaluation): TaskResult {
  const soft = e.soft_prompt === undefined ? '' : ` with soft prompt ${e.soft_prompt} (manual template ${formatPercent(e.manual_accuracy)})`;
  return {
    metrics: {
      dev_acc: e.accuracy,
      calibrated_acc: e.calibrated.accuracy,
      n: e.n,
      ...(e.manual_accuracy === undefined ? {} : { manual_acc: e.manual_accuracy }),
      ...(e.split_accuracy?.train == null ? {} : { train_acc: e.split_accuracy.train }),
      ...(e.split_accuracy?.test == null ? {} : { test_acc: e.split_accuracy.test }),
    },
    summary: `accuracy ${formatPercent(e.accuracy)} (calibrated ${formatPercent(e.calibrated.accuracy)}) on ${e.n} rows of ${e.data}${soft}${e.split_accuracy ? `; train ${formatPercent(e.split_accuracy.train)}, test ${formatPercent(e.split_accuracy.test)}` : ''}`,
    ...(e.warnings.length > 0 ? { warnings: e.warnings } : {}),
  };
}
