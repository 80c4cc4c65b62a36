// Test reference: a saved soft prompt scored by the tuning objective itself (the path tuning
// uses for dev accuracy), per example too. Evaluation (eval --soft-prompt) goes another way
// (evaluatePromptFileWithSoftPrompt); tests check that both agree.
import type { Device } from '../../../src/engine/runtime/executionProviders';
import { argmax, SoftPromptObjective } from '../../../src/engine/tuning/softprompt/objective';
import { loadSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { openSoftPromptSessions, releaseSessions } from '../../../src/engine/tuning/softprompt/softPromptSession';
import { findEmbeddingGather } from '../../../src/engine/tuning/softprompt/surgery';
import { loadSoftPromptTask, splitExamples } from '../../../src/engine/tuning/softprompt/taskData';
import { loadTrainingGraph } from '../../../src/engine/tuning/softprompt/trainingGraph';

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
