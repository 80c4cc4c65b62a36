// The data warnings a soft prompt result carries (src/datasets/dataWarnings.ts), from the task
// the run loaded: near-copies across splits, evaluation sets too small to separate two prompts
// (with the measured accuracies' intervals), one training label, verbalizer lengths, no test.
import { splitRows, taskWarnings } from '../../../datasets/dataWarnings';
import type { RenderedSplit, SoftPromptTask } from './taskData';

const rowsOf = (split: RenderedSplit | undefined) => (split ? splitRows(split.rows) : undefined);

export function softPromptWarnings(task: SoftPromptTask, accuracies: { dev_acc: number | null; test_acc: number | null }): string[] {
  const pieces = (v: string) => task.tokenizer.encode(v, { addSpecialTokens: false }).map((id) => task.tokenizer.idToToken(id) ?? `<${id}>`);
  return taskWarnings(
    { train: rowsOf(task.train), dev: rowsOf(task.dev), test: rowsOf(task.test) },
    {
      verbalizers: Object.fromEntries(task.labels.map((label, i) => [label, task.verbalizers[i]!])),
      tokenPieces: pieces,
      accuracies: { dev: accuracies.dev_acc ?? undefined, test: accuracies.test_acc ?? undefined },
    },
  ).map((w) => w.message);
}
