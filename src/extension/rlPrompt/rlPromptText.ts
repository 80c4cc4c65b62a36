// What the editor says about the discrete prompts found for a slot: the CodeLens title, the inlay
// hint, the hover table, the "All prompts…" entries and the final message. Every accuracy stands
// beside the hand-written prompt's on the same split, held-out test first; a prompt that is worse
// than the hand-written one on test says so in words. Pure text in, text out.
import { devTitle, formatPercent, formatPoints } from '../../protocol/format';
import type { TuneRlResult } from '../../protocol/methods/tuneRl';
import type { BestPromptRow } from '../../protocol/taskEvents';
import { code, displayToken } from '../softPrompt/softPromptHintText';
import type { RlPromptsView } from './rlPromptRuns';

/** The CodeLens title starts with this for RL (the e2e tests look for it). */
export const RL_LENS_PREFIX = 'RL ▸';

function searchName(view: Pick<RlPromptsView, 'method'>): string {
  return view.method === 'rl' ? 'RL' : 'Random search';
}

/** A prompt as one quoted line: control characters visible, never a codicon, at most `max` characters. */
export function quotedPrompt(text: string, max = 40): string {
  return `"${displayToken(text, max).replaceAll('$(', '$\u200b(')}"`;
}

/** Does the task have a test split (then test is the held-out number, dev chose the prompts)? */
export function hasTestSplit(view: RlPromptsView): boolean {
  return (view.written !== undefined && view.written.test_acc !== null) || view.prompts.some((p) => p.test_acc !== undefined);
}

function progress(view: RlPromptsView): string | undefined {
  const at = view.step === undefined ? '' : view.totalSteps === undefined ? `${view.step}` : `${view.step}/${view.totalSteps}`;
  if (view.status === 'running') return at ? `step ${at}` : 'starting';
  if (view.status === 'cancelled') return `cancelled${at ? ` at step ${at}` : ''} (Resume Run continues it)`;
  if (view.status === 'failed') return `failed${at ? ` at step ${at}` : ''}`;
  return undefined;
}

/** "better than", "worse than" or "same as" the hand-written prompt, on one split. */
function versus(found: number, written: number): string {
  return found > written ? 'better than' : found < written ? 'worse than' : 'same as';
}

/**
 * `RL ▸ "VERY Absolutely" · dev 91.0% · test 62.0%, worse than hand-written 79.5%` — the best
 * prompt so far, its dev accuracy (which chose it), and its test accuracy against the
 * hand-written prompt's once measured; `(in the file)` once applied.
 */
export function lensTitle(view: RlPromptsView, slotText?: string): string {
  const name = view.method === 'rl' ? RL_LENS_PREFIX : `${searchName(view)} ▸`;
  const best = view.prompts[0];
  const state = progress(view);
  if (!best) return `${name} ${state ?? 'no prompt found'}`;
  const parts = [`${name} ${quotedPrompt(best.text)}${slotText === best.text ? ' (in the file)' : ''}`];
  const written = view.written;
  if (best.dev_acc !== undefined) {
    const manual = !hasTestSplit(view) && written && written.dev_acc !== null ? ` (hand-written ${formatPercent(written.dev_acc)}; dev chose it)` : '';
    parts.push(`dev ${formatPercent(best.dev_acc)}${manual}`);
  }
  if (best.test_acc !== undefined) {
    const manual = written && written.test_acc !== null ? `, ${versus(best.test_acc, written.test_acc)} hand-written ${formatPercent(written.test_acc)}` : '';
    parts.push(`test ${formatPercent(best.test_acc)}${manual}`);
  }
  if (state) parts.push(state);
  return parts.join(' · ');
}

/** The inlay hint after the slot: the best prompt when the slot holds something else. */
export function inlayLabel(view: RlPromptsView, slotText: string): string | undefined {
  const best = view.prompts[0];
  if (!best || best.text === slotText) return undefined;
  const dev = best.dev_acc === undefined ? '' : ` · dev ${formatPercent(best.dev_acc)}`;
  return `${searchName(view)} best${view.status === 'running' ? ' so far' : ''}: ${quotedPrompt(best.text, 32)}${dev}`;
}

/** One line of accuracies for a quick pick entry or a message: test first when there is one. */
export function accuracyLine(row: Pick<BestPromptRow, 'train_acc' | 'dev_acc' | 'test_acc'>, hasTest: boolean): string {
  const parts: string[] = [];
  if (hasTest) parts.push(`test ${formatPercent(row.test_acc)}`);
  parts.push(`${devTitle(hasTest)} ${formatPercent(row.dev_acc)}`, `train ${formatPercent(row.train_acc)}`);
  return parts.join(' · ');
}

/**
 * The hover over the slot: a table of the hand-written prompt and the top prompts with their
 * accuracies and each one's difference from the hand-written prompt on the held-out split (test;
 * dev only without a test split, and then it says dev chose them), then each prompt's tokens with
 * their ids and its reward (a hover is narrow: they get a line of their own).
 */
export function hoverMarkdown(view: RlPromptsView, slotText: string, top = 10): string {
  const hasTest = hasTestSplit(view);
  const lines: string[] = [];
  const state = progress(view);
  const what = view.method === 'rl' ? '**RL prompt tuning**' : '**Random search**';
  lines.push(`${what}${view.runId ? ` — run \`${view.runId}\`` : ''}${state ? ` (${state})` : view.endedAt ? ` (finished ${view.endedAt.replace('T', ' ').slice(0, 19)} UTC)` : ''}`, '');
  const written = view.written;
  const heldSplit = hasTest ? 'test' : 'dev';
  const vsTitle = written ? ` vs hand-written (${heldSplit}) |` : '';
  lines.push(`| # | prompt | train | dev | test |${vsTitle}`, `|---:|:---|---:|---:|---:|${written ? '---:|' : ''}`);
  const mark = (text: string) => (text === slotText ? ' ← in the file' : '');
  if (written) {
    const text = written.text === '' ? '_(empty slot)_' : code(written.text);
    lines.push(`| hand-written | ${text}${mark(written.text)} | ${formatPercent(written.train_acc)} | ${formatPercent(written.dev_acc)} | ${formatPercent(written.test_acc)} | |`);
  }
  const shown = view.prompts.slice(0, top);
  let worse = 0;
  shown.forEach((row, i) => {
    const accs = `${formatPercent(row.train_acc)} | ${formatPercent(row.dev_acc)} | ${formatPercent(row.test_acc)}`;
    let vs = '';
    if (written) {
      const found = row[`${heldSplit}_acc`];
      const manual = written[`${heldSplit}_acc`];
      const diff = found === undefined || manual === null ? undefined : found - manual;
      const isWorse = hasTest && diff !== undefined && diff < 0;
      if (isWorse) worse++;
      vs = ` ${formatPoints(diff)}${isWorse ? ' (worse)' : ''} |`;
    }
    lines.push(`| ${i + 1} | ${code(row.text)}${mark(row.text)} | ${accs} |${vs}`);
  });
  lines.push('');
  if (hasTest && written && written.test_acc !== null) {
    const count = worse === 0 ? `none of these ${shown.length} prompts is` : `${worse} of these ${shown.length} prompts ${worse === 1 ? 'is' : 'are'}`;
    lines.push(`_On test (held out, never used to choose), ${count} worse than the hand-written one._`);
  }
  if (!hasTest) lines.push('_No test split: dev chose these prompts, so no number here is held out._');
  if (!view.measured) lines.push(view.status === 'running' ? '_Still searching: the accuracies are the search’s own; test and the hand-written prompt are measured when it finishes._' : '_The search stopped early: the accuracies are its own and test was not measured._');
  if (shown.length > 0) {
    lines.push('', 'Tokens (ids) and reward:', '');
    shown.forEach((row, i) => {
      const reward = row.reward === undefined ? '' : ` — reward ${row.reward.toFixed(2)}`;
      lines.push(`${i + 1}. ${row.tokens.map((t, j) => `${code(t, 16)} ${row.ids[j] ?? '?'}`).join(' · ')}${reward}`);
    });
  }
  return lines.join('\n');
}

export interface PromptPickEntry {
  label: string;
  description: string;
  detail: string;
}

/** The "All prompts…" quick pick: each prompt with its accuracies, tokens and ids. */
export function promptPickEntries(view: RlPromptsView, slotText: string): PromptPickEntry[] {
  const hasTest = hasTestSplit(view);
  return view.prompts.map((row, i) => ({
    label: `${i + 1}. ${quotedPrompt(row.text, 60)}${row.text === slotText ? ' (in the file)' : ''}`,
    description: `${accuracyLine(row, hasTest)}${row.reward === undefined ? '' : ` · reward ${row.reward.toFixed(2)}`}`,
    detail: row.tokens.map((t, j) => `${displayToken(t, 16)} (${row.ids[j] ?? '?'})`).join('  '),
  }));
}

/** The notification when a search finishes: the best prompt against the hand-written one, test first. */
export function resultMessage(fileName: string, r: TuneRlResult): string {
  const name = r.method === 'rl' ? 'RL prompt' : 'random search';
  const best = r.prompts[0];
  if (!best) return `Promptsmith: ${name} for ${fileName} found no prompt in ${r.steps_run} steps.`;
  const hasTest = r.written.test_acc !== null;
  const splits = (['test', 'dev'] as const).filter((s) => best[`${s}_acc`] !== null);
  const accuracies = splits.map((s) => `${s === 'dev' ? devTitle(hasTest) : 'test'} ${formatPercent(best[`${s}_acc`])} (hand-written ${formatPercent(r.written[`${s}_acc`])})`).join(', ');
  const warnings = r.warnings.length === 0 ? '' : ` ${r.warnings.length} data warning${r.warnings.length === 1 ? '' : 's'} in the run's details.`;
  return `Promptsmith: ${name} for ${fileName} — ${quotedPrompt(best.text)}: ${accuracies || `train ${formatPercent(best.train_acc)}`}; ${r.evaluations.toLocaleString('en-US')} reward evaluations on ${r.device}.${warnings}`;
}
