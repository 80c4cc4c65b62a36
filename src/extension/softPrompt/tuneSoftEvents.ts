// The pure half of the "Tune soft prompt" command: the final message, tuned vs hand-written on
// every split the task has (test: held out, never used to select).
import type { TuneSoftResult } from '../../protocol/methods/tuneSoft';
import { formatPercent } from '../../protocol/format';

export function resultMessage(fileName: string, r: TuneSoftResult): string {
  const splits = (['dev', 'test'] as const).filter((s) => r[`${s}_acc`] !== null);
  const accuracies = splits.map((s) => `${s} ${formatPercent(r[`${s}_acc`])} (hand-written ${formatPercent(r[`manual_${s}_acc`])})`).join(', ');
  const measured = accuracies === '' ? 'no dev or test set to measure' : accuracies;
  return `Promptsmith: soft prompt for ${fileName} — ${measured}; ${r.num_virtual_tokens} virtual tokens, ${r.method} on ${r.device}.`;
}
