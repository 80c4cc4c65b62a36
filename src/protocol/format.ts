// How every part of Promptsmith writes a fraction for people (CLI, notifications, panel): one
// decimal, and a dash where there is no number (a split the task does not have).

export function formatPercent(value: number | null | undefined): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(1)}%`;
}

/** Accuracies of one prompt on a task's splits; null where the task has no such split. */
export interface SplitAccuracies {
  train: number | null;
  dev: number | null;
  test: number | null;
}

/** What dev is called: with no test split it also selected the prompt, so it is no held-out number. */
export function devTitle(hasTest: boolean): string {
  return hasTest ? 'dev' : 'dev (used for selection)';
}

/** Generalisation gap: train minus test, or train minus dev without a test split; null when unknown. */
export function accuracyGap(a: SplitAccuracies): { value: number | null; title: string } {
  const held = a.test ?? a.dev;
  const title = a.test !== null ? 'gap (train − test)' : 'gap (train − dev)';
  return { value: a.train === null || held === null ? null : a.train - held, title };
}

/** A gap in percentage points, signed: "+17.0 pts", "−2.5 pts", "—". */
export function formatPoints(value: number | null | undefined): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  const points = value * 100;
  return `${points < 0 ? '−' : '+'}${Math.abs(points).toFixed(1)} pts`;
}

/** A plain-text table of prompts × splits with the gap (CLI summary, demo, evaluation report). */
export function splitTable(rows: readonly { name: string; accuracies: SplitAccuracies }[], indent = ''): string[] {
  const hasTest = rows.some((r) => r.accuracies.test !== null);
  const gapTitle = accuracyGap(rows[0]?.accuracies ?? { train: null, dev: null, test: hasTest ? 0 : null }).title;
  const nameWidth = Math.max(14, ...rows.map((r) => r.name.length + 2));
  const devWidth = Math.max(9, devTitle(hasTest).length + 2);
  const line = (name: string, cells: string[]) =>
    `${indent}${name.padEnd(nameWidth)}${cells[0]!.padEnd(9)}${cells[1]!.padEnd(devWidth)}${hasTest ? cells[2]!.padEnd(9) : ''}${cells[3]}`.trimEnd();
  return [
    line('', ['train', devTitle(hasTest), 'test', gapTitle]),
    ...rows.map((r) => line(r.name, [formatPercent(r.accuracies.train), formatPercent(r.accuracies.dev), formatPercent(r.accuracies.test), formatPoints(accuracyGap(r.accuracies).value)])),
  ];
}
