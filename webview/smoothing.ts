// Smoothing of noisy curves (RL rewards jump from step to step): an exponential moving average,
// debiased as TensorBoard does so the first points are not pulled towards zero. Gaps stay gaps.

/** Weights offered in the panel; 0 = the raw values. */
export const SMOOTHING_WEIGHTS = [0, 0.6, 0.9, 0.99] as const;

export function smoothSeries(values: ReadonlyArray<number | null>, weight: number): ReadonlyArray<number | null> {
  if (!(weight > 0)) return values;
  let average = 0;
  let seen = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    average = average * weight + (1 - weight) * v;
    seen++;
    return average / (1 - weight ** seen);
  });
}
