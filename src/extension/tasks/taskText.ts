// The pure texts of task sessions: the notification's progress line and percentages.
import type { ProgressEvent } from '../../protocol/taskEvents';
import { formatPercent } from '../../protocol/format';

/** The notification line: `step 12/100 · loss 0.5120 · dev acc 72.0%` (dev acc: the latest evaluation). */
export function progressText(e: ProgressEvent, lastDevAcc?: number): string {
  const parts = [`step ${e.step}/${e.totalSteps}`];
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`);
  if (e.reward !== undefined) parts.push(`reward ${e.reward.toFixed(3)}`);
  const dev = e.dev_acc ?? lastDevAcc;
  if (dev !== undefined) parts.push(`dev acc ${formatPercent(dev)}`);
  return parts.join(' · ');
}
