// Evaluating a saved soft prompt (PEFT adapter folder) on a .prompt file's task: the accuracy of
// the template with the adapter's virtual tokens vs the plain template, per example too. This is
// what `eval --soft-prompt DIR` needs; it runs the same loss graph as tuning, forward only.
import type { Device } from '../../runtime/executionProviders';
import { argmax, SoftPromptObjective } from './objective';
import { loadSoftPrompt } from './peft';
import { openSoftPromptSessions, releaseSessions } from './softPromptSession';
import { findEmbeddingGather } from './surgery';
import { loadSoftPromptTask, splitExamples } from './taskData';
import { loadTrainingGraph } from './trainingGraph';

export interface SoftPromptEvaluation {
  accuracy: number;
  loss: number;
  /** The same rows with the plain template (no virtual tokens). */
  manual_accuracy: number;
  num_virtual_tokens: number;
  device: string;
  examples: { line: number; label: string; predicted: string; scores: number[] }[];
}

export async function evaluateSoftPrompt(options: { promptFile: string; adapterDir: string; dataFile?: string; slot?: string; device?: Device }): Promise<SoftPromptEvaluation> {
  const task = await loadSoftPromptTask(options.promptFile, { needTrain: false, devFile: options.dataFile });
  if (!task.dev) throw new Error(`${options.promptFile}: no dataset to evaluate on (promptsmith.task.dev, or give a data file)`);
  const graph = loadTrainingGraph(task.modelDir);
  const adapter = loadSoftPrompt(options.adapterDir, findEmbeddingGather(graph.graph).table.dims[1]!);
  const n = adapter.numVirtualTokens;
  // One session: with the adapter, and the plain template (no virtual ids) on the same weights.
  const soft = await openSoftPromptSessions(graph, { numVirtualTokens: n, loss: 'classification', device: options.device ?? 'auto', gradient: false });
  try {
    const slot = options.slot ?? task.parsed.softPrompt?.slot;
    const examples = splitExamples(task, task.dev, { vocabSize: soft.vocabSize, numVirtualTokens: n, slot });
    const objective = new SoftPromptObjective(soft, task.classTokens);
    const tuned = await objective.evaluate(adapter.embeddings, examples);
    const manual = await objective.evaluate(undefined, splitExamples(task, task.dev, { vocabSize: soft.vocabSize, numVirtualTokens: 0 }));
    return {
      accuracy: tuned.accuracy,
      loss: tuned.loss,
      manual_accuracy: manual.accuracy,
      num_virtual_tokens: n,
      device: soft.provider,
      examples: task.dev.rows.map((row, i) => ({ line: row.line, label: row.label!, predicted: task.labels[argmax(tuned.classScores[i]!)]!, scores: tuned.classScores[i]! })),
    };
  } finally {
    await releaseSessions(soft);
  }
}
