// The Wilson score interval of a binomial proportion (Wilson 1927): the 95 % interval of an
// accuracy measured on n rows. Unlike p ± 1.96·√(p(1−p)/n) it stays inside [0, 1] and is
// honest at 0 % and 100 % on small sets.

export const Z_95 = 1.959963984540054;

export function wilsonInterval(correct: number, n: number, z = Z_95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = correct / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 and n the bound is exactly 0 or 1; rounding must not move it.
  return { low: correct <= 0 ? 0 : Math.max(0, centre - half), high: correct >= n ? 1 : Math.min(1, centre + half) };
}
