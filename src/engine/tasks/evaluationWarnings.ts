// The data warnings an evaluation carries (src/datasets/dataWarnings.ts): the task's splits are
// read again (cheap beside scoring) so near-copies across splits, one training label and the
// intervals of the measured dev/test accuracies are reported with the numbers they qualify.
import { splitRows, taskWarnings } from '../../datasets/dataWarnings';
import type { PromptEvaluation } from '../../protocol/methods/evaluate';
import { loadDataset } from './dataset';
import type { TaskSpec } from './taskSpec';

/** `scored`: the file the evaluation's accuracy is on (with --data it plays dev's part). */
export async function evaluationWarnings(task: TaskSpec, scored: string, result: PromptEvaluation, tokenPieces?: (text: string) => string[]): Promise<string[]> {
  const rows = async (file: string | undefined) => (file === undefined ? undefined : splitRows((await loadDataset(file)).rows));
  const dev = scored === task.train && task.dev !== undefined ? task.dev : scored;
  const accuracies = { dev: dev === scored ? result.accuracy : (result.split_accuracy?.dev ?? undefined), test: result.split_accuracy?.test ?? undefined };
  return taskWarnings({ train: await rows(task.train), dev: await rows(dev), test: await rows(task.test) }, { verbalizers: task.labels, tokenPieces, accuracies }).map((w) => w.message);
}
