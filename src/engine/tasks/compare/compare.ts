// `compare`: every chosen method, one after another, each in a process of its own (its peak
// memory is its own), on the same splits; then the same evaluation of what each produced, the
// Wilson interval of each test accuracy, and McNemar's test against the hand-written prompt on
// the same test rows. A time budget is shared among the methods that train; a method that will
// not fit is skipped with the reason; a cancel keeps the rows that finished.
import { writeFileAtomic } from '../../../runs/atomicFile';
import { mcnemar } from '../../../datasets/mcnemar';
import { wilsonInterval } from '../../../datasets/wilson';
import { COMPARE_METHODS, type CompareMethod, type CompareParams, type CompareResult, type CompareRow } from '../../../protocol/methods/compare';
import type { EngineEvent } from '../../../protocol/engineApi';
import type { PromptEvaluation } from '../../../protocol/methods/evaluate';
import { modelSpecOf, readPromptFile } from '../../../promptFile/promptFile';
import type { TaskHooks } from '../taskHooks';
import { compareReport } from './compareReport';
import type { OpenMethodProcess } from './methodProcess';
import { METHOD_SPECS, type MethodOutcome, type RemoteTask, remoteFields } from './methodSpecs';
import { relocatedPromptSource } from '../../../promptFile/relocatedPromptFile';
import { remoteModelName } from '../../../promptFile/remoteModel';
import { basename, join } from 'node:path';
import { mkdirSync } from 'node:fs';

export const COMPARE_REPORT_FILE = 'report.md';
export const COMPARE_ROWS_FILE = 'rows.json';

/** Of the training time, what each method's tuning gets (the rest: its evaluation and start). */
const TRAINING_SHARE = 0.75;

export interface CompareOptions extends TaskHooks {
  params: CompareParams;
  /** Where each method's folder, the report and the rows go. */
  outDir: string;
  open: OpenMethodProcess;
}

/** The methods to run: the ones asked for (in the table's order), else all that can run here. */
export function chosenMethods(params: CompareParams): CompareMethod[] {
  const asked = params.methods ?? [...COMPARE_METHODS];
  return COMPARE_METHODS.filter((m) => asked.includes(m) && METHOD_SPECS[m] !== undefined);
}

function emptyRow(method: CompareMethod, status: CompareRow['status'], note?: string): CompareRow {
  return { method, status, ...(note ? { note } : {}), train_acc: null, dev_acc: null, test_acc: null, test_ci: null, vs_manual_p: null, trainable_params: 0, seconds: 0, peak_rss_mb: 0, artifact: null };
}

/** A row's accuracies by split, the test interval, and McNemar's test against `baseline` (the written template's test rows; none for that row itself). */
function measuredRow(method: CompareMethod, evaluation: PromptEvaluation, baseline: boolean[] | undefined): Omit<CompareRow, 'trainable_params' | 'seconds' | 'peak_rss_mb' | 'artifact'> {
  const test = evaluation.split_correct?.test;
  const ci = test ? wilsonInterval(test.filter(Boolean).length, test.length) : undefined;
  return {
    method,
    status: 'done',
    train_acc: evaluation.split_accuracy?.train ?? null,
    dev_acc: evaluation.split_accuracy?.dev ?? null,
    test_acc: evaluation.split_accuracy?.test ?? null,
    test_ci: ci ? [ci.low, ci.high] : null,
    vs_manual_p: test && baseline ? mcnemar(baseline, test).p : null,
  };
}

/**
 * The task every method runs: the file itself; with another local `model`, a copy of the file in
 * the comparison's folder that names it (paths made absolute), so tuning and fine tuning use it
 * too; with a remote one (given, or the file's own), the file and the remote fields every
 * scoring request carries.
 */
function taskModel(params: CompareParams, outDir: string): { promptFile: string; remote?: RemoteTask } {
  const parsed = readPromptFile(params.promptFile);
  // The file's own model may be a remote one too: the methods that need weights are skipped for it alike.
  const model = params.model ?? parsed.model;
  if (model !== undefined && remoteModelName(model) !== undefined) {
    return { promptFile: params.promptFile, remote: { model, endpoint: params.endpoint, remote: params.remote } };
  }
  if (params.model === undefined) return { promptFile: params.promptFile };
  const derived = join(outDir, basename(params.promptFile));
  writeFileAtomic(derived, relocatedPromptSource(parsed.source, params.promptFile, { model: modelSpecOf(parsed, params.promptFile, params.model) }));
  return { promptFile: derived };
}

/** `promptsmith.variants` of the file: each as the file's text with its template in place of the written one. */
function variantSources(promptFile: string): [string, string][] {
  const parsed = readPromptFile(promptFile);
  return Object.entries(parsed.variants ?? {}).map(([name, template]) => [name, parsed.source.slice(0, parsed.templateOffset) + template]);
}

export async function compareMethods(options: CompareOptions): Promise<Omit<CompareResult, 'run_dir'>> {
  const { params, outDir } = options;
  const emit = options.emit ?? (() => {});
  const methods = chosenMethods(params);
  const training = methods.filter((m) => METHOD_SPECS[m]!.trains).length;
  const share = params.budgetMinutes === undefined || training === 0 ? undefined : (params.budgetMinutes * 60 * TRAINING_SHARE) / training;
  const rows: CompareRow[] = [];
  const earlier: Partial<Record<CompareMethod, MethodOutcome>> = {};
  let manualCorrect: boolean[] | undefined;
  let warnings: string[] = [];
  let testRows = 0;
  const started = Date.now();
  const save = () => {
    const result = { rows, test_rows: testRows, warnings, report: compareReport(params.promptFile, rows, testRows, share, warnings) };
    writeFileAtomic(join(outDir, COMPARE_ROWS_FILE), `${JSON.stringify(result.rows, null, 2)}\n`);
    writeFileAtomic(join(outDir, COMPARE_REPORT_FILE), result.report);
    return result;
  };
  mkdirSync(outDir, { recursive: true });
  const { promptFile, remote } = taskModel(params, outDir);
  for (const [index, method] of methods.entries()) {
    const spec = METHOD_SPECS[method]!;
    await options.beforeStep?.();
    emit({ type: 'progress', step: index, totalSteps: methods.length, elapsed_s: (Date.now() - started) / 1000 });
    emit({ type: 'message', level: 'info', message: `${method}: ${spec.title}${share && spec.trains ? ` (${Math.round(share)} s of training)` : ''}` });
    const proc = options.open();
    const t0 = Date.now();
    try {
      // Only the method's messages and progress go on (its status and run events describe its
      // sub-run); its progress as a fraction of this method's step, so one bar covers them all.
      const onEvent = (e: EngineEvent) => {
        if (e.type === 'message') emit({ type: 'message', level: e.level, message: `${method}: ${e.message}` });
        if (e.type === 'progress' && e.totalSteps > 0) {
          emit({ type: 'progress', step: index + Math.min(1, e.step / e.totalSteps), totalSteps: methods.length, elapsed_s: (Date.now() - started) / 1000 });
        }
      };
      const outcome = await spec.run({ promptFile, remote, policyModel: params.policyModel, outDir: join(outDir, method), device: params.device, seed: params.seed, timeBudgetS: spec.trains ? share : undefined, proc, earlier, signal: options.signal, onEvent });
      earlier[method] = outcome;
      const evaluation = await proc.request('evaluate', { promptFile, predictions: true, ...outcome.evaluate }, { signal: options.signal });
      if (method === 'manual') {
        manualCorrect = evaluation.split_correct?.test;
        warnings = evaluation.warnings;
      }
      testRows = evaluation.split_correct?.test?.length ?? testRows;
      rows.push({ ...measuredRow(method, evaluation, method === 'manual' ? undefined : manualCorrect), trainable_params: outcome.trainableParams, seconds: (Date.now() - t0) / 1000, peak_rss_mb: await proc.peakRssMb(), artifact: outcome.artifact });
      // Prompt engineering: each hand-written variant of the template, on the same splits.
      if (method === 'manual') {
        for (const [name, source] of variantSources(promptFile)) {
          const v0 = Date.now();
          const scored = await proc.request('evaluate', { promptFile, predictions: true, source, noSoftPrompt: true, device: params.device, ...remoteFields(remote) }, { signal: options.signal });
          rows.push({ ...measuredRow(method, scored, manualCorrect), variant: name, trainable_params: 0, seconds: (Date.now() - v0) / 1000, peak_rss_mb: await proc.peakRssMb(), artifact: null });
        }
      }
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      if (options.signal?.aborted) {
        rows.push(emptyRow(method, 'cancelled', 'the comparison was cancelled'));
        save();
        throw err;
      }
      const code = (err as { code?: unknown }).code;
      rows.push(emptyRow(method, code === 'E_MEMORY' || code === 'E_LOCAL_ONLY' ? 'skipped' : 'failed', message));
      emit({ type: 'message', level: 'warning', message: `${method}: ${message}` });
    } finally {
      await proc.close();
    }
    save();
  }
  emit({ type: 'progress', step: methods.length, totalSteps: methods.length, elapsed_s: (Date.now() - started) / 1000 });
  return save();
}
