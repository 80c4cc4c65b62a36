// The texts the editor shows for a tuned soft prompt and for a running tuning task, and where the
// hint sits in a .prompt file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayToken, HINT_TITLE_PREFIX, hintAnchor, hintHoverMarkdown, hintTitle, hintTooltip } from '../../../src/extension/softPrompt/softPromptHintText';
import type { SoftPromptHint } from '../../../src/extension/softPrompt/softPromptRuns';
import { resultMessage } from '../../../src/extension/softPrompt/tuneSoftEvents';
import { progressText } from '../../../src/extension/tasks/taskText';
import { parseEngineEvent } from '../../../src/protocol/engineApi';
import { parseTuneSoftResult } from '../../../src/protocol/methods/tuneSoft';

function hint(firsts: string[], extra: Partial<SoftPromptHint> = {}): SoftPromptHint {
  return {
    runId: '20261127-011500-soft-sentiment',
    runDir: '/ws/.promptsmith/runs/20261127-011500-soft-sentiment',
    numVirtualTokens: firsts.length,
    nearest: firsts.map((t, i) => [
      { id: i, token: t, similarity: 0.5 - i / 100 },
      { id: 100 + i, token: `${t}2`, similarity: 0.25 },
    ]),
    devAcc: 0.71875,
    manualDevAcc: 0.59375,
    ...extra,
  };
}

test('CodeLens title: size, test then dev accuracy (dev marked as selecting without test), each virtual token’s closest token, … beyond six', () => {
  assert.equal(hintTitle(hint(['▁happy', '▁joy'])), '◆ soft prompt (2 tokens, dev 0.72 (used for selection)): ▁happy ▁joy');
  assert.equal(hintTitle(hint(['▁happy', '▁joy'], { testAcc: 0.83 })), '◆ soft prompt (2 tokens, test 0.83, dev 0.72): ▁happy ▁joy');
  const eight = hint(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], { testAcc: 0.8 });
  assert.equal(hintTitle(eight), '◆ soft prompt (8 tokens, test 0.80, dev 0.72): a b c d e f …');
  assert.ok(hintTitle(eight).startsWith(HINT_TITLE_PREFIX));
  assert.equal(hintTitle(hint(['x'], { devAcc: undefined })), '◆ soft prompt (1 token): x');
  // A token can never turn into a codicon, a newline or an endless title.
  const odd = hintTitle(hint(['$(zap)', 'a\nb', 'x'.repeat(40)]));
  assert.ok(!odd.includes('$(zap)'), odd);
  assert.ok(!odd.includes('\n'), odd);
  assert.ok(odd.includes('a\\x0ab'), odd);
  assert.ok(odd.includes(`${'x'.repeat(15)}…`), odd);
});

test('displayToken shows control characters and shortens long tokens', () => {
  assert.equal(displayToken('<0x0A>'), '<0x0A>');
  assert.equal(displayToken('\t\u007f'), '\\x09\\x7f');
  assert.equal(displayToken('abcdef', 4), 'abc…');
});

test('hover: accuracy table tuned vs hand-written (test first), one table row per virtual token with k cosine similarities', () => {
  const withTest = hintHoverMarkdown(hint(['▁happy'], { testAcc: 0.83, manualTestAcc: 0.795 })).split('\n');
  assert.ok(withTest.includes('| test (held out) | 0.83 | 0.80 |'), withTest.join('\n'));
  assert.ok(withTest.includes('| dev | 0.72 | 0.59 |'), withTest.join('\n'));
  assert.ok(withTest.indexOf('| test (held out) | 0.83 | 0.80 |') < withTest.indexOf('| dev | 0.72 | 0.59 |'));
  const md = hintHoverMarkdown(hint(['▁happy', 'a|b', '`x']));
  const lines = md.split('\n');
  assert.equal(lines[0], '**Soft prompt** — 3 virtual tokens');
  assert.ok(lines.includes('| dev (used for selection) | 0.72 | 0.59 |'), md);
  assert.ok(lines.includes('_No test split: dev chose this prompt, so no number here is held out._'), md);
  assert.ok(lines.includes('| virtual token | nearest vocabulary tokens (cosine similarity) |'));
  assert.ok(lines.includes('| 0 | `▁happy` 0.500 · `▁happy2` 0.250 |'), md);
  // A pipe inside a token must not split the table cell; a backtick must not end the code span.
  assert.ok(lines.includes('| 1 | `a\\|b` 0.490 · `a\\|b2` 0.250 |'), md);
  assert.ok(lines.includes('| 2 | `` `x `` 0.480 · `` `x2 `` 0.250 |'), md);
  const rows = lines.filter((l) => /^\| \d+ \|/.test(l));
  assert.equal(rows.length, 3);
  // Without similarities (a run that kept only the closest tokens) the table says so.
  const bare = hintHoverMarkdown({ ...hint(['a']), nearest: [[{ id: 3, token: 'a' }]] });
  assert.ok(bare.includes('| 0 | `a` |'), bare);
  assert.match(bare, /kept only each virtual token’s closest token/);
});

test('CodeLens tooltip: every virtual token with its nearest tokens', () => {
  const lines = hintTooltip(hint(['▁happy', '▁joy'])).split('\n');
  assert.equal(lines[0], 'Nearest vocabulary tokens of each virtual token (run 20261127-011500-soft-sentiment):');
  assert.equal(lines[1], '0: ▁happy (0.50), ▁happy2 (0.25)');
  assert.equal(lines[2], '1: ▁joy (0.49), ▁joy2 (0.25)');
});

const FILE = [
  '# license header',
  '---',
  'model: ../shared/models/stories260k-hf',
  'promptsmith.softPrompt: { tokens: 4, slot: task }',
  '---',
  'Review: {{text}}',
  '{{softprompt "task"}} The child was',
  '',
].join('\n');

test('hint anchor: the named {{softprompt}} slot, else the template’s first line', () => {
  const slot = hintAnchor(FILE);
  assert.equal(slot.onSlot, true);
  assert.equal(FILE.slice(slot.start, slot.end), '{{softprompt "task"}}');
  // The run's own slot wins over the file's setting; an unknown one falls back to the first line.
  const first = hintAnchor(FILE, 'other');
  assert.equal(first.onSlot, false);
  assert.equal(FILE.slice(first.start, first.end), 'Review: {{text}}');
  // No slot setting: the template's only slot, as the engine places the tokens…
  const unnamed = FILE.replace(', slot: task', '');
  const only = hintAnchor(unnamed);
  assert.equal(unnamed.slice(only.start, only.end), '{{softprompt "task"}}');
  // …but with two slots and none named the tokens go before the input.
  const two = `${unnamed}{{softprompt "b"}}\n`;
  const t = hintAnchor(two);
  assert.equal(two.slice(t.start, t.end), 'Review: {{text}}');
  const noSlot = unnamed.replace('{{softprompt "task"}} ', '');
  const a = hintAnchor(noSlot);
  assert.equal(a.onSlot, false);
  assert.equal(noSlot.slice(a.start, a.end), 'Review: {{text}}');
  // CRLF files: the range stops before the \r.
  const crlf = noSlot.replaceAll('\n', '\r\n');
  const b = hintAnchor(crlf);
  assert.equal(crlf.slice(b.start, b.end), 'Review: {{text}}');
  // Single quotes and whitespace inside the braces are the same slot.
  const spaced = FILE.replace('{{softprompt "task"}}', "{{ softprompt 'task' }}");
  const c = hintAnchor(spaced);
  assert.equal(spaced.slice(c.start, c.end), "{{ softprompt 'task' }}");
  // No front matter at all: the first line of the file.
  const plain = 'Just {{text}}\nmore';
  const d = hintAnchor(plain);
  assert.equal(plain.slice(d.start, d.end), 'Just {{text}}');
});

test('progress line, the run announcement, the result message by split', () => {
  assert.equal(progressText({ type: 'progress', step: 12, totalSteps: 100, loss: 0.51234, elapsed_s: 3 }), 'step 12/100 · loss 0.5123');
  assert.equal(progressText({ type: 'progress', step: 20, totalSteps: 100, loss: 0.5, dev_acc: 0.71875, elapsed_s: 3 }), 'step 20/100 · loss 0.5000 · dev acc 71.9%');
  assert.equal(progressText({ type: 'progress', step: 21, totalSteps: 100, elapsed_s: 3 }, 0.5), 'step 21/100 · dev acc 50.0%');

  assert.deepEqual(parseEngineEvent({ type: 'run', runId: 'r1', dir: '/ws/r1' }), { type: 'run', runId: 'r1', dir: '/ws/r1' });
  assert.throws(() => parseEngineEvent({ type: 'run', runId: 3, dir: '/x' }), /event\.runId/);

  const summary = parseTuneSoftResult({
    out: '/ws/run/adapter',
    train_acc: 0.9,
    dev_acc: 0.75,
    test_acc: null,
    manual_train_acc: 0.6,
    manual_dev_acc: 0.59375,
    manual_test_acc: null,
    warnings: [],
    best_step: 4,
    steps_run: 10,
    stopped_early: false,
    cancelled: false,
    method: 'gradient',
    device: 'cpu',
    num_virtual_tokens: 8,
    trainable_params: 512,
    nearest_tokens: [],
    nearest: [],
    run_dir: '/ws/run',
  });
  assert.equal(resultMessage('a.prompt', summary), 'Promptsmith: soft prompt for a.prompt — dev (used for selection) 75.0% (hand-written 59.4%); 8 virtual tokens, gradient on cpu.');
  assert.equal(
    resultMessage('a.prompt', { ...summary, test_acc: 0.7, manual_test_acc: 0.795, warnings: ['one'] }),
    "Promptsmith: soft prompt for a.prompt — test 70.0% (hand-written 79.5%), dev 75.0% (hand-written 59.4%); 8 virtual tokens, gradient on cpu. 1 data warning in the run's details.",
  );
  assert.throws(() => parseTuneSoftResult({ ...summary, warnings: [3] }), /result\.warnings/);
  assert.throws(() => parseTuneSoftResult({ dev_acc: 1 }), /result\.out/);
});
