// The comparison as Markdown a user can paste into a pull request: one row per method, test
// accuracy with its 95 % interval and McNemar's p-value against the hand-written prompt, then
// what each cost. Every accuracy names its split; test is the one nothing selected on.
import { basename } from 'node:path';
import { formatPercent } from '../../../protocol/format';
import { baselineRow, type CompareRow, rowLabel, verdict } from '../../../protocol/methods/compare';

function interval(row: CompareRow): string {
  return row.test_ci ? `${formatPercent(row.test_ci[0])}–${formatPercent(row.test_ci[1])}` : '—';
}

export function compareReport(promptFile: string, rows: readonly CompareRow[], testRows: number, shareS: number | undefined, warnings: readonly string[] = []): string {
  const manual = baselineRow(rows);
  const lines = [
    `# Adaptation methods compared on ${basename(promptFile)}`,
    '',
    testRows > 0
      ? `Test accuracy is on the task's held-out test split (${testRows} rows), which no method used to train, select or stop; each method selected on dev. The interval is the 95 % Wilson interval; "vs hand-written" is McNemar's exact test on the same test rows.`
      : 'The task has no test split: only train and dev accuracy are shown, and dev was used to select, so nothing here is held out.',
    shareS === undefined ? '' : `Each training method had about ${Math.round(shareS)} s of training.`,
    '',
    '| method | test | 95 % interval | vs hand-written | dev | train | trainable parameters | seconds | peak RSS (MiB) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (r.status !== 'done') {
      lines.push(`| ${rowLabel(r)} | ${r.status}: ${r.note ?? ''} | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${rowLabel(r)} | ${formatPercent(r.test_acc)} | ${interval(r)} | ${verdict(r, manual)} | ${formatPercent(r.dev_acc)} | ${formatPercent(r.train_acc)} | ${r.trainable_params.toLocaleString('en-US')} | ${r.seconds.toFixed(0)} | ${r.peak_rss_mb.toFixed(0)} |`,
    );
  }
  if (warnings.length > 0) lines.push('', '**About the data**', '', ...warnings.map((w) => `- ${w}`));
  return `${lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n')}\n`;
}
