// How every part of Promptsmith writes a fraction for people (CLI, notifications, panel): one
// decimal, and a dash where there is no number (a split the task does not have).

export function formatPercent(value: number | null | undefined): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(1)}%`;
}
