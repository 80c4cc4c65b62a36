// `eval --soft-prompt DIR`: a .prompt file's classification task scored with a saved adapter's
// virtual tokens (before BOS, or at the template's {{softprompt}} slot, as in tuning), on the
// same loss graph tuning uses, forward only. The result has the plain evaluation's shape
// (accuracy, per-label metrics, confusion, contextual calibration, worst rows) plus the plain
// template's accuracy on the same rows (`manual_accuracy`) and the adapter folder.
import { renderPromptFile, stripSoftPromptMarkers } from '../../../promptFile/promptFile';
import type { Device } from '../../runtime/executionProviders';
import { calibrate, contentFreePrior } from '../../tasks/calibration';
import type { ExampleResult } from '../../../protocol/methods/evaluate';
import { type EvaluationResult, softmaxScores } from '../../tasks/evaluate';
import { argmaxLabel, classificationMetrics } from '../../tasks/metrics';
import type { BatchExample } from './batchFeeds';
import { SoftPromptObjective } from './objective';
import { adapterSlot, loadSoftPrompt } from './peft';
import { promptIds } from './placement';
import { openSoftPromptSessions, releaseSessions } from './softPromptSession';
import { findEmbeddingGather } from './surgery';
import { loadSoftPromptTask, splitExamples } from './taskData';
import { loadTrainingGraph } from './trainingGraph';

export interface SoftPromptFileEvaluationOptions {
  promptFile: string;
  adapterDir: string;
  /** The labelled dataset to score (the caller resolves the task's dev/train default). */
  data: string;
  /** Template inputs that carry no content ("N/A", …), for contextual calibration. */
  contentFreeInputs: readonly Record<string, unknown>[];
  device?: Device;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export interface SoftPromptFileEvaluation extends Omit<EvaluationResult, 'examples'> {
  /** The same rows with the plain template (no virtual tokens). */
  manual_accuracy: number;
  /** Mean cross-entropy over the class scores with the adapter. */
  loss: number;
  soft_prompt: string;
  num_virtual_tokens: number;
  device: string;
  /** Per row, in file order: whether the prediction was right (paired tests compare these). */
  correct: boolean[];
}

/** Rows per ORT run (one run holds every row's activations at once). */
const CHUNK = 16;

export async function evaluatePromptFileWithSoftPrompt(options: SoftPromptFileEvaluationOptions): Promise<SoftPromptFileEvaluation> {
  const task = await loadSoftPromptTask(options.promptFile, { needTrain: false, devFile: options.data });
  const split = task.dev!;
  const graph = loadTrainingGraph(task.modelDir);
  const adapter = loadSoftPrompt(options.adapterDir, findEmbeddingGather(graph.graph).table.dims[1]!);
  const n = adapter.numVirtualTokens;
  // One session: with the adapter, and the plain template (no virtual ids) on the same weights.
  const soft = await openSoftPromptSessions(graph, { numVirtualTokens: n, loss: 'classification', device: options.device ?? 'auto', gradient: false });
  try {
    const placement = { vocabSize: soft.vocabSize, numVirtualTokens: n, slot: adapterSlot(adapter, options.adapterDir, split.texts[0] ?? '', task.parsed.softPrompt?.slot) };
    const objective = new SoftPromptObjective(soft, task.classTokens, CHUNK);
    const examples = splitExamples(task, split, placement);
    const scores: number[][] = [];
    let lossSum = 0;
    for (let i = 0; i < examples.length; i += CHUNK) {
      const chunk = examples.slice(i, i + CHUNK);
      const r = await objective.evaluate(adapter.embeddings, chunk, options.signal);
      scores.push(...r.classScores);
      lossSum += r.loss * chunk.length;
      options.onProgress?.(scores.length, examples.length);
    }
    const manual = await objective.evaluate(undefined, splitExamples(task, split, { ...placement, numVirtualTokens: 0, slot: undefined }), options.signal);

    // Contextual calibration with the adapter in place: the content-free rows get it too.
    const contentFree: BatchExample[] = [];
    for (const input of options.contentFreeInputs) {
      const text = (await renderPromptFile(task.parsed, input)).text;
      // The label is a placeholder: only the class scores are read.
      contentFree.push({ ids: promptIds({ tokenizer: task.tokenizer, ...placement }, text), label: 0 });
    }
    const freeScores = (await objective.evaluate(adapter.embeddings, contentFree, options.signal)).classScores;
    const labels = task.labels;
    const probsOf = (s: readonly number[]) => {
      const p = softmaxScores(s);
      return Object.fromEntries(labels.map((l, j) => [l, p[j]!]));
    };
    const prior = contentFreePrior(freeScores.map(probsOf), labels);

    const results: ExampleResult[] = split.rows.map((row, i) => {
      const probs = probsOf(scores[i]!);
      return { line: row.line, prompt: stripSoftPromptMarkers(split.texts[i]!), gold: row.label!, predicted: argmaxLabel(probs, labels), probs };
    });
    const gold = results.map((r) => r.gold);
    const metrics = classificationMetrics(gold, results.map((r) => r.predicted), labels);
    const calibratedPredictions = results.map((r) => argmaxLabel(calibrate(r.probs, prior, labels), labels));
    const worst = [...results].sort((a, b) => (a.probs[a.gold] ?? 0) - (b.probs[b.gold] ?? 0)).slice(0, 5);
    return {
      ...metrics,
      calibrated: { ...classificationMetrics(gold, calibratedPredictions, labels), prior },
      worst,
      correct: results.map((r) => r.gold === r.predicted),
      manual_accuracy: manual.accuracy,
      loss: lossSum / examples.length,
      soft_prompt: options.adapterDir,
      num_virtual_tokens: n,
      device: soft.provider,
    };
  } finally {
    await releaseSessions(soft);
  }
}
