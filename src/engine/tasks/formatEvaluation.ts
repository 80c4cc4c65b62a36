// A plain-text report of an evaluation, shared by the CLI and the extension's output channel:
// the accuracy with its 95 % interval, train/dev/test side by side with the gap (when the task's
// splits were scored), per-label metrics, the worst rows, and the data warnings.
import { intervalText } from '../../datasets/dataWarnings';
import type { PromptEvaluation } from '../../protocol/methods/evaluate';
import { formatPercent, splitTable } from '../../protocol/format';

export function formatEvaluation(e: PromptEvaluation): string {
  const lines = [
    `accuracy ${formatPercent(e.accuracy)} on ${e.n} rows (${e.data}), 95% interval ${intervalText(e.accuracy, e.n)}, device ${e.device}`,
    `calibrated accuracy ${formatPercent(e.calibrated.accuracy)} (contextual calibration, Zhao et al. 2021)`,
  ];
  if (e.split_accuracy) lines.push('', ...splitTable([{ name: e.soft_prompt === undefined ? 'this prompt' : 'with soft prompt', accuracies: e.split_accuracy }]));
  lines.push('', 'label          precision  recall  support');
  for (const [label, m] of Object.entries(e.per_label)) lines.push(`${label.padEnd(14)} ${formatPercent(m.precision).padStart(9)} ${formatPercent(m.recall).padStart(7)} ${String(m.support).padStart(8)}`);
  lines.push('', 'worst rows (lowest probability of the gold label):');
  for (const w of e.worst) {
    const text = w.prompt.length > 70 ? `${w.prompt.slice(0, 69)}…` : w.prompt;
    lines.push(`  line ${w.line}: gold ${w.gold} (p=${(w.probs[w.gold] ?? 0).toFixed(3)}), predicted ${w.predicted}: ${JSON.stringify(text)}`);
  }
  if (e.warnings.length > 0) lines.push('', ...e.warnings.map((w) => `warning: ${w}`));
  return lines.join('\n');
}
