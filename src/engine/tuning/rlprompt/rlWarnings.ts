// The data warnings a discrete prompt search carries (src/datasets/dataWarnings.ts): near-copies
// across splits (dev then measures memorisation), evaluation sets too small to separate two
// prompts (with the best prompt's intervals), one training label, verbalizer lengths, no test.
import { splitRows, taskWarnings } from '../../../datasets/dataWarnings';
import type { TextTokenizer } from '../../../modelFiles/tokenizer';
import type { RlTask } from './rlTask';

export function rlWarnings(task: RlTask, tokenizer: TextTokenizer | undefined, best: { dev_acc: number | null; test_acc: number | null } | undefined): string[] {
  const rows = (name: 'train' | 'dev' | 'test') => {
    const split = task.splits[name];
    return split ? splitRows(split.rows, task.spec.metric === undefined ? ['label'] : [task.spec.reference!]) : undefined;
  };
  const classification = task.spec.metric === undefined;
  return taskWarnings(
    { train: rows('train'), dev: rows('dev'), test: rows('test') },
    {
      verbalizers: classification ? task.spec.labels : undefined,
      tokenPieces: tokenizer ? (v) => tokenizer.encode(v, { addSpecialTokens: false }).map((id) => tokenizer.idToToken(id) ?? `<${id}>`) : undefined,
      accuracies: classification ? { dev: best?.dev_acc ?? undefined, test: best?.test_acc ?? undefined } : undefined,
    },
  ).map((w) => w.message);
}
