// McNemar's exact test for two classifiers scored on the same rows (McNemar 1947; the exact
// binomial form for small counts): only the discordant rows count — b where the first is right
// and the second wrong, c the other way — and under "no difference" b ~ Binomial(b + c, 1/2).
// Accuracies from log-probabilities are deterministic, so every difference is a difference in
// these rows; the p-value says whether so many of them lean one way by chance.

export interface McNemarResult {
  /** Rows the first got right and the second wrong. */
  b: number;
  /** Rows the second got right and the first wrong. */
  c: number;
  /** Two-sided exact p-value (1 when b = c). */
  p: number;
}

/** log C(n, k) by sums of logs (n is a dataset size: thousands at most). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(k: number, n: number): number {
  let total = 0;
  for (let i = 0; i <= k; i++) total += Math.exp(logChoose(n, i) - n * Math.LN2);
  return total;
}

/** `first` and `second`: per row, whether each classifier got it right (same rows, same order). */
export function mcnemar(first: readonly boolean[], second: readonly boolean[]): McNemarResult {
  if (first.length !== second.length) throw new Error(`McNemar's test needs the same rows: ${first.length} vs ${second.length}`);
  let b = 0;
  let c = 0;
  for (let i = 0; i < first.length; i++) {
    if (first[i] && !second[i]) b++;
    else if (!first[i] && second[i]) c++;
  }
  const n = b + c;
  const p = n === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(b, c), n));
  return { b, c, p };
}
