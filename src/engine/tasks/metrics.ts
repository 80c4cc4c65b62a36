// Classification metrics over predicted label probabilities: accuracy, per-label precision and
// recall, and the confusion matrix (rows = gold label, columns = predicted label).
import type { ClassificationMetrics, LabelMetrics } from '../../protocol/methods/evaluate';

/** The label with the highest probability (first in `labels` order on ties). */
export function argmaxLabel(probs: Record<string, number>, labels: readonly string[]): string {
  let best = labels[0]!;
  for (const label of labels) if ((probs[label] ?? -Infinity) > (probs[best] ?? -Infinity)) best = label;
  return best;
}

export function classificationMetrics(gold: readonly string[], predicted: readonly string[], labels: readonly string[]): ClassificationMetrics {
  if (gold.length !== predicted.length) throw new Error(`metrics: ${gold.length} gold labels but ${predicted.length} predictions`);
  const confusion: ClassificationMetrics['confusion'] = Object.fromEntries(labels.map((g) => [g, Object.fromEntries(labels.map((p) => [p, 0]))]));
  let correct = 0;
  gold.forEach((g, i) => {
    const p = predicted[i]!;
    if (g === p) correct++;
    const row = confusion[g];
    if (row && p in row) row[p]!++;
  });
  const per_label: Record<string, LabelMetrics> = {};
  for (const label of labels) {
    const tp = confusion[label]![label]!;
    const support = labels.reduce((s, p) => s + confusion[label]![p]!, 0);
    const predictedCount = labels.reduce((s, g) => s + confusion[g]![label]!, 0);
    per_label[label] = { precision: predictedCount ? tp / predictedCount : 0, recall: support ? tp / support : 0, support };
  }
  return { accuracy: gold.length ? correct / gold.length : 0, n: gold.length, per_label, confusion };
}
