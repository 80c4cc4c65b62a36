// The last word of "Compare adaptation methods": the best method on the held-out test split and
// whether it beats the hand-written prompt beyond noise (McNemar's p on the same test rows).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetProblem, compareMessage } from '../../../src/extension/compare/compareText';
import type { CompareMethod, CompareResult, CompareRow } from '../../../src/protocol/methods/compare';

function row(method: CompareMethod, test_acc: number | null, vs_manual_p: number | null, extra: Partial<CompareRow> = {}): CompareRow {
  return { method, status: 'done', train_acc: 0.9, dev_acc: 0.8, test_acc, test_ci: null, vs_manual_p, trainable_params: 0, seconds: 1, peak_rss_mb: 100, artifact: null, ...extra };
}

function result(rows: CompareRow[], test_rows = 200): CompareResult {
  return { rows, test_rows, report: '# report', warnings: [] };
}

test('the best method on test beats the hand-written prompt only when the paired test says so', () => {
  const manual = row('manual', 0.795, null);
  assert.equal(
    compareMessage('s.prompt', result([manual, row('soft', 0.86, 0.004), row('rl', 0.81, 0.6)])),
    'Promptsmith: best on test (200 rows) for s.prompt: soft 86.0% beats the hand-written prompt (79.5%; McNemar p = 0.004).',
  );
  assert.equal(
    compareMessage('s.prompt', result([manual, row('rl', 0.81, 0.41)])),
    'Promptsmith: best on test (200 rows) for s.prompt: rl 81.0% is above, but within noise of, the hand-written prompt (79.5%; McNemar p = 0.410).',
  );
  assert.equal(
    compareMessage('s.prompt', result([manual, row('rl', 0.62, 0.001), row('finetune', null, null, { status: 'skipped', note: 'does not fit' })])),
    'Promptsmith: best on test (200 rows) for s.prompt: the hand-written prompt, 79.5% — no method scored above it. Not finished: finetune skipped.',
  );
});

test('without a test split or a finished method, the message says what is missing', () => {
  const noTest = compareMessage('s.prompt', result([row('manual', null, null, { dev_acc: 0.6 }), row('rl', null, null, { dev_acc: 0.75 })], 0));
  assert.match(noTest, /no test split\. Best on dev: rl 75\.0% — but dev chose every method's result/);
  assert.match(compareMessage('s.prompt', result([row('rl', null, null, { status: 'failed' })])), /no method finished with a test accuracy\. Not finished: rl failed\./);
});

test('the time budget is minutes > 0, or empty for none', () => {
  assert.equal(budgetProblem(''), undefined);
  assert.equal(budgetProblem('2.5'), undefined);
  assert.ok(budgetProblem('0'));
  assert.ok(budgetProblem('ten'));
});
