// Contextual calibration (Zhao et al. 2021, "Calibrate Before Use"): small models lean to one
// label whatever the input. Estimate that lean from a content-free input ("N/A") and divide it
// out: p_cal(y|x) ∝ p(y|x) / p(y|content-free), renormalised.

/** The content-free inputs averaged for the estimate, as in the paper. */
export const CONTENT_FREE_INPUTS = ['N/A', '', '[MASK]'] as const;

/** Averages several content-free probability vectors into one prior. */
export function contentFreePrior(priors: readonly Record<string, number>[], labels: readonly string[]): Record<string, number> {
  const mean = Object.fromEntries(labels.map((l) => [l, priors.reduce((s, p) => s + (p[l] ?? 0), 0) / Math.max(1, priors.length)]));
  const total = labels.reduce((s, l) => s + mean[l]!, 0);
  return Object.fromEntries(labels.map((l) => [l, total > 0 ? mean[l]! / total : 1 / labels.length]));
}

export function calibrate(probs: Record<string, number>, prior: Record<string, number>, labels: readonly string[]): Record<string, number> {
  const scaled = labels.map((l) => (probs[l] ?? 0) / Math.max(prior[l] ?? 0, 1e-12));
  const total = scaled.reduce((a, b) => a + b, 0);
  return Object.fromEntries(labels.map((l, i) => [l, total > 0 ? scaled[i]! / total : 1 / labels.length]));
}
