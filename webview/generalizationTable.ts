// Generalisation, not only fit: a finished run's accuracies on train, dev and test side by side
// with the gap (train − test, or train − dev without a test split, where dev also selected the
// prompt), for the tuned prompt and the hand-written one; then the run's data warnings. Text
// goes in through textContent only (dom.ts).
import { accuracyGap, devTitle, formatPercent, formatPoints, type SplitAccuracies } from '../src/protocol/format';
import type { TaskResult } from '../src/protocol/taskEvents';
import { el } from './dom';
import { makeTable } from './table';

function accuracies(metrics: Record<string, number>, prefix: string): SplitAccuracies | undefined {
  const pick = (split: string) => metrics[`${prefix}${split}_acc`] ?? null;
  const a = { train: pick('train'), dev: pick('dev'), test: pick('test') };
  return a.train === null && a.dev === null && a.test === null ? undefined : a;
}

/** The table and warnings of a result; empty when it measured no split. */
export function generalizationSection(result: TaskResult): HTMLElement[] {
  const rows = [
    { name: 'this run', a: accuracies(result.metrics, '') },
    { name: 'hand-written', a: accuracies(result.metrics, 'manual_') },
  ].filter((r): r is { name: string; a: SplitAccuracies } => r.a !== undefined);
  const out: HTMLElement[] = [];
  if (rows.length > 0) {
    const hasTest = rows.some((r) => r.a.test !== null);
    const gapTitle = accuracyGap(rows[0]!.a).title;
    const headers = ['prompt', 'train', devTitle(hasTest), ...(hasTest ? ['test'] : []), gapTitle];
    const body = rows.map((r) => [r.name, formatPercent(r.a.train), formatPercent(r.a.dev), ...(hasTest ? [formatPercent(r.a.test)] : []), formatPoints(accuracyGap(r.a).value)]);
    out.push(el('h3', {}, ['Generalisation']), makeTable(headers, body, { label: 'Accuracy by split' }));
    if (!hasTest) out.push(el('p', { class: 'muted' }, ['No test split: dev chose this prompt, so its dev accuracy is not held out. “Split Off a Test Set” holds one out.']));
  }
  for (const warning of result.warnings ?? []) out.push(el('p', { class: 'warning', role: 'note' }, [`⚠ ${warning}`]));
  return out;
}
