// The pure texts of "Compare adaptation methods": the methods offered in the quick pick, the
// time budget's validation, and the final notification — the best method on the held-out test
// split and whether it beats the hand-written prompt beyond noise (McNemar on the same rows).
import { formatPercent } from '../../protocol/format';
import { baselineRow, type CompareMethod, type CompareResult, type CompareRow, formatP, rowLabel } from '../../protocol/methods/compare';

/** What each method is, for the quick pick. */
export const METHOD_TITLES: Record<CompareMethod, string> = {
  manual: 'the hand-written prompt (the baseline)',
  soft: 'soft prompt tuning',
  bbt: 'soft prompt, gradient-free (BBT)',
  random: 'random discrete prompts at RL’s evaluation budget',
  rl: 'RL prompt tuning (RLPrompt)',
  lora: 'LoRA adapters',
  finetune: 'full fine tuning (where memory allows)',
};

const SIGNIFICANT = 0.05;

/** The budget input: empty (no limit) or minutes > 0. */
export function budgetProblem(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const minutes = Number(value);
  return Number.isFinite(minutes) && minutes > 0 ? undefined : 'minutes > 0, or empty for no limit';
}

function best(rows: readonly CompareRow[], split: 'test_acc' | 'dev_acc'): CompareRow | undefined {
  return rows.filter((r) => r.status === 'done' && r[split] !== null).reduce<CompareRow | undefined>((a, r) => (a === undefined || r[split]! > a[split]! ? r : a), undefined);
}

export function compareMessage(fileName: string, r: CompareResult): string {
  const unfinished = r.rows.filter((row) => row.status !== 'done').map((row) => `${rowLabel(row)} ${row.status}`);
  const tail = unfinished.length === 0 ? '' : ` Not finished: ${unfinished.join(', ')}.`;
  const written = baselineRow(r.rows);
  const manual = written?.status === 'done' ? written : undefined;
  if (r.test_rows === 0) {
    const top = best(r.rows, 'dev_acc');
    const dev = top ? ` Best on dev: ${rowLabel(top)} ${formatPercent(top.dev_acc)} — but dev chose every method's result, so that is no held-out number.` : '';
    return `Promptsmith: compared methods on ${fileName}: the task has no test split.${dev} \`promptsmith split\` holds one out.${tail}`;
  }
  const top = best(r.rows, 'test_acc');
  if (!top) return `Promptsmith: compared methods on ${fileName}: no method finished with a test accuracy.${tail}`;
  const head = `Promptsmith: best on test (${r.test_rows} rows) for ${fileName}: ${rowLabel(top)} ${formatPercent(top.test_acc)}`;
  if (top === manual) return `Promptsmith: best on test (${r.test_rows} rows) for ${fileName}: the hand-written prompt, ${formatPercent(top.test_acc)} — no method scored above it.${tail}`;
  if (!manual || manual.test_acc === null) return `${head} (the hand-written prompt was not measured).${tail}`;
  const p = top.vs_manual_p;
  const beyondNoise = p !== null && p < SIGNIFICANT && top.test_acc! > manual.test_acc;
  const test = p === null ? 'no paired test' : `McNemar ${formatP(p)}`;
  const verdict = top.test_acc === manual.test_acc ? 'ties with' : beyondNoise ? 'beats' : 'is above, but within noise of,';
  return `${head} ${verdict} the hand-written prompt (${formatPercent(manual.test_acc)}; ${test}).${tail}`;
}
