// What the editor says at an RL slot: the CodeLens, the inlay hint, the hover, the quick pick,
// the final message and the "Try on another model" report. A found prompt that is worse than the
// hand-written one on test must read as worse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RlPromptsView } from '../../../src/extension/rlPrompt/rlPromptRuns';
import { hoverMarkdown, inlayLabel, lensTitle, promptPickEntries, quotedPrompt, RL_LENS_PREFIX, resultMessage } from '../../../src/extension/rlPrompt/rlPromptText';
import { transferMarkdown } from '../../../src/extension/rlPrompt/transferText';
import { parseTuneRlResult } from '../../../src/protocol/methods/tuneRl';

const WRITTEN = { text: 'They were', train_acc: 0.625, dev_acc: 0.59375, test_acc: 0.795 };
const BETTER = { text: 'VERY Absolutely', tokens: ['▁VERY', '▁Absolutely'], ids: [901, 902], reward: 12.5, train_acc: 0.8, dev_acc: 0.91, test_acc: 0.82 };
const WORSE = { text: 'the Lily', tokens: ['▁the', '▁Lily'], ids: [265, 317], reward: 10.25, train_acc: 0.78, dev_acc: 0.9, test_acc: 0.62 };

function view(extra: Partial<RlPromptsView> = {}): RlPromptsView {
  return { method: 'rl', status: 'completed', runId: '20261205-020545-rl-sentiment', prompts: [BETTER, WORSE], written: WRITTEN, measured: true, ...extra };
}

test('CodeLens: the best prompt, dev, then test against the hand-written prompt in words', () => {
  assert.equal(lensTitle(view()), `${RL_LENS_PREFIX} "VERY Absolutely" · dev 91.0% · test 82.0%, better than hand-written 79.5%`);
  assert.equal(lensTitle(view({ prompts: [WORSE] })), 'RL ▸ "the Lily" · dev 90.0% · test 62.0%, worse than hand-written 79.5%');
  assert.equal(lensTitle(view({ method: 'random' }), 'VERY Absolutely'), 'Random search ▸ "VERY Absolutely" (in the file) · dev 91.0% · test 82.0%, better than hand-written 79.5%');
  // Without a test split, dev is named as the split that chose the prompt.
  const noTest = view({ written: { ...WRITTEN, test_acc: null }, prompts: [{ ...BETTER, test_acc: undefined }] });
  assert.equal(lensTitle(noTest), 'RL ▸ "VERY Absolutely" · dev 91.0% (hand-written 59.4%; dev chose it)');
});

test('CodeLens while searching and after a cancel: the best so far and where the search is', () => {
  const running = view({ status: 'running', measured: false, written: undefined, step: 12, totalSteps: 60, prompts: [{ ...BETTER, test_acc: undefined }] });
  assert.equal(lensTitle(running), 'RL ▸ "VERY Absolutely" · dev 91.0% · step 12/60');
  assert.equal(lensTitle({ ...running, prompts: [], step: undefined }), 'RL ▸ starting');
  assert.equal(lensTitle({ ...running, status: 'cancelled', totalSteps: undefined }), 'RL ▸ "VERY Absolutely" · dev 91.0% · cancelled at step 12 (Resume Run continues it)');
});

test('a prompt is one quoted line that can never become an icon or a second line', () => {
  assert.equal(quotedPrompt('a\nb$(zap)'), '"a\\x0ab$\u200b(zap)"');
  assert.equal(quotedPrompt('x'.repeat(50), 10), `"${'x'.repeat(9)}…"`);
});

test('inlay hint: the best prompt when the slot holds something else, nothing once it is applied', () => {
  assert.equal(inlayLabel(view(), 'They were'), 'RL best: "VERY Absolutely" · dev 91.0%');
  assert.equal(inlayLabel(view(), 'VERY Absolutely'), undefined);
  assert.equal(inlayLabel(view({ status: 'running', prompts: [{ ...BETTER, dev_acc: undefined }] }), ''), 'RL best so far: "VERY Absolutely"');
  assert.equal(inlayLabel(view({ prompts: [] }), ''), undefined);
});

test('hover: hand-written row, then each prompt with its accuracies and difference on test; tokens, ids and reward below', () => {
  const md = hoverMarkdown(view(), 'They were');
  const lines = md.split('\n');
  assert.ok(lines[0]!.startsWith('**RL prompt tuning** — run `20261205-020545-rl-sentiment`'), lines[0]);
  assert.ok(lines.includes('| # | prompt | train | dev | test | vs hand-written (test) |'), md);
  assert.ok(lines.includes('| hand-written | `They were` ← in the file | 62.5% | 59.4% | 79.5% | |'), md);
  assert.ok(lines.includes('| 1 | `VERY Absolutely` | 80.0% | 91.0% | 82.0% | +2.5 pts |'), md);
  assert.ok(lines.includes('| 2 | `the Lily` | 78.0% | 90.0% | 62.0% | −17.5 pts (worse) |'), md);
  assert.ok(lines.includes('_On test (held out, never used to choose), 1 of these 2 prompts is worse than the hand-written one._'), md);
  assert.ok(lines.includes('1. `▁VERY` 901 · `▁Absolutely` 902 — reward 12.50'), md);
  assert.ok(lines.includes('2. `▁the` 265 · `▁Lily` 317 — reward 10.25'), md);
  // No test split: the difference is on dev, which chose the prompts, and the hover says so.
  const noTest = hoverMarkdown(view({ written: { ...WRITTEN, test_acc: null }, prompts: [{ ...WORSE, test_acc: undefined }] }), '');
  assert.match(noTest, /vs hand-written \(dev\)/);
  assert.match(noTest, /No test split: dev chose these prompts/);
  assert.doesNotMatch(noTest, /\(worse\)/);
  // While searching: the search's own numbers, and no hand-written comparison yet.
  const running = hoverMarkdown(view({ status: 'running', step: 3, totalSteps: 60, measured: false, written: undefined, prompts: [{ ...BETTER, test_acc: undefined }] }), 'They were');
  assert.match(running, /\(step 3\/60\)/);
  assert.match(running, /Still searching/);
  assert.doesNotMatch(running, /hand-written \|/);
});

test('hover tables survive prompts with pipes and backticks', () => {
  const md = hoverMarkdown(view({ prompts: [{ ...BETTER, text: 'a|b `c`', tokens: ['a|b', '`c`'] }] }), '');
  const row = md.split('\n').find((l) => l.startsWith('| 1 |'))!;
  assert.equal(row.replaceAll('\\|', '').split('|').length, 8, row);
});

test('All prompts…: every prompt with test first, dev, train, reward, and its tokens with ids', () => {
  const entries = promptPickEntries(view(), 'the Lily');
  assert.deepEqual(entries[0], {
    label: '1. "VERY Absolutely"',
    description: 'test 82.0% · dev 91.0% · train 80.0% · reward 12.50',
    detail: '▁VERY (901)  ▁Absolutely (902)',
  });
  assert.equal(entries[1]!.label, '2. "the Lily" (in the file)');
});

function engineResult(prompts: unknown[], written: unknown) {
  return parseTuneRlResult({
    method: 'rl',
    prompts,
    written,
    slot: { start: 10, end: 19, kind: 'range' },
    steps_run: 60,
    evaluations: 7680,
    cancelled: false,
    measured: true,
    device: 'cpu',
    trainable_params: 264256,
    warnings: ['dev has 64 rows'],
    out: '/ws/.promptsmith/runs/x/prompts',
  });
}

test('final message: the best prompt against the hand-written one, test first, with the cost', () => {
  const r = engineResult([{ ...WORSE, dev_acc: 0.9, test_acc: 0.62 }], WRITTEN);
  assert.equal(
    resultMessage('sentiment.prompt', r),
    'Promptsmith: RL prompt for sentiment.prompt — "the Lily": test 62.0% (hand-written 79.5%), dev 90.0% (hand-written 59.4%); 7,680 reward evaluations on cpu. 1 data warning in the run\'s details.',
  );
  const noTest = engineResult([{ ...BETTER, test_acc: null }], { ...WRITTEN, test_acc: null });
  assert.match(resultMessage('s.prompt', noTest), /: dev \(used for selection\) 91\.0% \(hand-written 59\.4%\);/);
  assert.equal(resultMessage('s.prompt', engineResult([], WRITTEN)), 'Promptsmith: RL prompt for s.prompt found no prompt in 60 steps.');
});

test('Try on another model: both prompts on both models, and a verdict per model on test', () => {
  const md = transferMarkdown({
    fileName: 'sentiment.prompt',
    runId: 'r1',
    prompt: WORSE,
    written: WRITTEN,
    searchModel: 'stories260k',
    otherModel: 'stories15M',
    other: { found: { train: 0.7, dev: 0.75, test: 0.8 }, written: { train: 0.6, dev: 0.6, test: 0.7 } },
  });
  const lines = md.split('\n');
  assert.ok(lines.includes('| found | `stories260k` (searched with) | 78.0% | 90.0% | 62.0% |'), md);
  assert.ok(lines.includes('| hand-written | `stories15M` | 60.0% | 60.0% | 70.0% |'), md);
  assert.ok(lines.includes('On `stories260k` the found prompt is worse than the hand-written one on test: 62.0% vs 79.5% (−17.5 pts).'), md);
  assert.ok(lines.includes('On `stories15M` the found prompt is better than the hand-written one on test: 80.0% vs 70.0% (+10.0 pts).'), md);
});
