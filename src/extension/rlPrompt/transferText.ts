// The report of "Try on another model…": a found prompt and the hand-written one, each on the
// model the search ran with (the run's numbers) and on another model (measured now), on every
// split the task has. Test is held out on both models; dev chose the prompt on the first one.
import { formatPercent, formatPoints, type SplitAccuracies } from '../../protocol/format';
import type { WrittenSlotScores } from '../../protocol/methods/tuneRl';
import type { BestPromptRow } from '../../protocol/taskEvents';
import { code } from '../softPrompt/softPromptHintText';

export interface TransferReport {
  fileName: string;
  runId?: string;
  prompt: BestPromptRow;
  written: WrittenSlotScores;
  searchModel: string;
  otherModel: string;
  /** Measured on the other model, with the found and the hand-written text in the slot. */
  other: { found: SplitAccuracies; written: SplitAccuracies };
}

function accuraciesOf(row: { train_acc?: number | null; dev_acc?: number | null; test_acc?: number | null }): SplitAccuracies {
  return { train: row.train_acc ?? null, dev: row.dev_acc ?? null, test: row.test_acc ?? null };
}

function verdict(model: string, split: 'test' | 'dev', found: number | null, written: number | null): string {
  if (found === null || written === null) return `On ${model} there is no ${split} accuracy to compare.`;
  const diff = found - written;
  const word = diff > 0 ? 'better than' : diff < 0 ? 'worse than' : 'the same as';
  return `On ${model} the found prompt is ${word} the hand-written one on ${split}: ${formatPercent(found)} vs ${formatPercent(written)} (${formatPoints(diff)}).`;
}

export function transferMarkdown(r: TransferReport): string {
  const hasTest = r.written.test_acc !== null || r.other.written.test !== null;
  const split = hasTest ? 'test' : 'dev';
  const original = { found: accuraciesOf(r.prompt), written: accuraciesOf(r.written) };
  const row = (what: string, model: string, a: SplitAccuracies) => `| ${what} | ${model} | ${formatPercent(a.train)} | ${formatPercent(a.dev)} | ${formatPercent(a.test)} |`;
  const writtenText = r.written.text === '' ? '(empty slot)' : code(r.written.text, 60);
  return [
    `# ${r.fileName}: a found prompt on another model`,
    '',
    `Found prompt ${code(r.prompt.text, 60)} (tokens ${r.prompt.tokens.map((t, i) => `${code(t, 16)} ${r.prompt.ids[i] ?? '?'}`).join(' ')}), hand-written ${writtenText}.`,
    `The search${r.runId ? ` (run \`${r.runId}\`)` : ''} ran with \`${r.searchModel}\` and chose the prompt there on dev; \`${r.otherModel}\` never saw it before.`,
    '',
    '| prompt | model | train | dev | test |',
    '|:---|:---|---:|---:|---:|',
    row('found', `\`${r.searchModel}\` (searched with)`, original.found),
    row('hand-written', `\`${r.searchModel}\` (searched with)`, original.written),
    row('found', `\`${r.otherModel}\``, r.other.found),
    row('hand-written', `\`${r.otherModel}\``, r.other.written),
    '',
    verdict(`\`${r.searchModel}\``, split, original.found[split], original.written[split]),
    verdict(`\`${r.otherModel}\``, split, r.other.found[split], r.other.written[split]),
    '',
    hasTest
      ? '_Test is held out on both models: neither the search nor this comparison chose anything on it._'
      : '_No test split: dev chose the prompt on the first model, so no number here is held out. `promptsmith split` holds out a test set._',
    '',
  ].join('\n');
}
