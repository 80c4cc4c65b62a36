// Min/max bucketing for line charts: a 20,000-step run becomes ~2,000 points that draw the same
// picture, because every bucket keeps the points where each series reaches its minimum and
// maximum (spikes survive), plus the bucket's first and last points (the line stays connected).
// Pure function, no DOM: unit-tested in node.

export interface Columns {
  x: readonly number[];
  ys: ReadonlyArray<ReadonlyArray<number | null>>;
}

export interface DownsampledColumns {
  x: number[];
  ys: (number | null)[][];
}

/**
 * Keeps at most `maxPoints` points (given room for one bucket: 2 + 2 × series) of columns that share x. Input shorter
 * than that is returned as a copy. Points keep their original x and y values (no averaging).
 */
export function downsampleMinMax(columns: Columns, maxPoints: number): DownsampledColumns {
  const n = columns.x.length;
  for (const y of columns.ys) if (y.length !== n) throw new Error(`downsampleMinMax: a series has ${y.length} values for ${n} x values`);
  if (n <= maxPoints) return { x: columns.x.slice(), ys: columns.ys.map((y) => y.slice()) };
  // Series that have any value at all; all-null ones cost nothing.
  const active = columns.ys.filter((y) => y.some((v) => v !== null));
  const perBucket = 2 + 2 * active.length;
  const buckets = Math.max(1, Math.floor(maxPoints / perBucket));
  const keep: number[] = [];
  const picked = new Set<number>();
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    if (end <= start) continue;
    picked.clear();
    picked.add(start);
    picked.add(end - 1);
    for (const y of active) {
      let minI = -1;
      let maxI = -1;
      for (let i = start; i < end; i++) {
        const v = y[i];
        if (v === null || v === undefined) continue;
        if (minI < 0 || v < (y[minI] as number)) minI = i;
        if (maxI < 0 || v > (y[maxI] as number)) maxI = i;
      }
      if (minI >= 0) picked.add(minI);
      if (maxI >= 0) picked.add(maxI);
    }
    const sorted = [...picked].sort((a, c) => a - c);
    for (const i of sorted) keep.push(i);
  }
  return { x: keep.map((i) => columns.x[i]!), ys: columns.ys.map((y) => keep.map((i) => y[i] ?? null)) };
}
