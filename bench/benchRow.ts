// One measured number of a benchmark. Every `bench/*.bench.ts` default-exports
// `async function (): Promise<BenchRow[]>`; bench/run.mjs runs them all and prints one table.

export interface BenchRow {
  /** Which benchmark, e.g. 'scoring' or 'generation'. */
  bench: string;
  /** What was measured, e.g. 'engine ÷ bare session.run'. */
  metric: string;
  value: number;
  /** e.g. 'tokens/s', 'MiB', 'ratio'. */
  unit?: string;
  /** The goal, as text: '≥ 0.9'. */
  target?: string;
  note?: string;
}

/** A benchmark file's default export. */
export type Bench = () => Promise<BenchRow[]>;
