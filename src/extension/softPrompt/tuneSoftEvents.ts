// The pure half of the "Tune soft prompt" command: the final message, tuned vs hand-written on
// every split the task has, held-out test first (never used to select); without a test split,
// dev is named as the split that chose the prompt. Data warnings follow.
import type { TuneSoftResult } from '../../protocol/methods/tuneSoft';
import { devTitle, formatPercent } from '../../protocol/format';

export function resultMessage(fileName: string, r: TuneSoftResult): string {
  const hasTest = r.test_acc !== null;
  const splits = (['test', 'dev'] as const).filter((s) => r[`${s}_acc`] !== null);
  const title = (s: 'test' | 'dev') => (s === 'dev' ? devTitle(hasTest) : s);
  const accuracies = splits.map((s) => `${title(s)} ${formatPercent(r[`${s}_acc`])} (hand-written ${formatPercent(r[`manual_${s}_acc`])})`).join(', ');
  const measured = accuracies === '' ? 'no dev or test set to measure' : accuracies;
  const warnings = r.warnings.length === 0 ? '' : ` ${r.warnings.length} data warning${r.warnings.length === 1 ? '' : 's'} in the run's details.`;
  return `Promptsmith: soft prompt for ${fileName} — ${measured}; ${r.num_virtual_tokens} virtual tokens, ${r.method} on ${r.device}.${warnings}`;
}
