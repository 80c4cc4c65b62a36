// The slot a discrete prompt fills: an explicit source range (the editor's selection), a
// `{{rlprompt}}` marker, or the end of the template; applying a prompt's text there; and the
// spacing rule that keeps the scored text identical to the applied file's text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePromptFile, renderPromptFile } from '../../../src/promptFile/promptFile';
import { applyPromptText, parseSlotPosition, resolveSlot, scoringPrompt, SlotError, slotText } from '../../../src/engine/tuning/rlprompt/slot';

const FILE = '---\nmodel: m\n---\n{{text}} They were\n';

test('a source range is the slot: its text is the written prompt and Apply replaces exactly it', () => {
  const parsed = parsePromptFile(FILE);
  const start = FILE.indexOf(' They were');
  const slot = resolveSlot(parsed, { start, end: start + 10 });
  assert.equal(slot.kind, 'range');
  assert.equal(slot.writtenText, ' They were');
  assert.equal(slot.template, '{{text}}{{rlprompt}}');
  assert.equal(slot.afterSpace, false);
  assert.equal(applyPromptText(FILE, slot, ' It was a'), '---\nmodel: m\n---\n{{text}} It was a\n');
  assert.equal(slotText(slot, ' It was a'), ' It was a');
});

test('LINE:COL-LINE:COL (1-based, end exclusive) converts to source offsets; bad positions are named', () => {
  const range = parseSlotPosition(FILE, '4:9-4:19');
  assert.equal(FILE.slice(range.start, range.end), ' They were');
  assert.throws(() => parseSlotPosition(FILE, '4:9'), /expected LINE:COL-LINE:COL/);
  assert.throws(() => parseSlotPosition(FILE, '9:1-9:2'), /line 9 is outside the file/);
  assert.throws(() => parseSlotPosition(FILE, '4:40-4:41'), /column 40 is outside line 4/);
  assert.throws(() => resolveSlot(parsePromptFile(FILE), parseSlotPosition(FILE, '2:1-2:3')), (e: Error) => e instanceof SlotError && /outside the template/.test(e.message));
});

test('a {{rlprompt}} marker is the slot; outside tuning it renders nothing', async () => {
  const source = '---\nmodel: m\n---\n{{text}} {{rlprompt}} now\n';
  const parsed = parsePromptFile(source);
  const slot = resolveSlot(parsed);
  assert.equal(slot.kind, 'marker');
  assert.equal(source.slice(slot.span.start, slot.span.end), '{{rlprompt}}');
  assert.equal(slot.afterSpace, true);
  assert.equal(slot.trimBefore, true);
  // A prompt written after a space drops its own leading space.
  assert.equal(applyPromptText(source, slot, slotText(slot, ' They were')), '---\nmodel: m\n---\n{{text}} They were now\n');
  assert.equal((await renderPromptFile(parsed, { text: 'Hi.' })).text, 'Hi.  now');
  assert.throws(() => resolveSlot(parsePromptFile('{{rlprompt}} {{rlprompt}}')), /2 \{\{rlprompt\}\} slots/);
});

test('without a range or marker the slot is the end of the template', () => {
  const parsed = parsePromptFile(FILE);
  const slot = resolveSlot(parsed);
  assert.equal(slot.kind, 'end');
  assert.equal(slot.template, '{{text}} They were{{rlprompt}}');
  assert.equal(applyPromptText(FILE, slot, ' so'), '---\nmodel: m\n---\n{{text}} They were so\n');
});

test('after a space the scored prompt carries the space, so its ids join the trimmed prefix exactly', () => {
  const slot = resolveSlot(parsePromptFile('{{text}} {{rlprompt}}'));
  assert.deepEqual(scoringPrompt(slot, ' They were', [10, 11]), { text: ' They were', ids: [10, 11] });
  // A prompt that does not start a word is re-tokenized from text, never joined by ids.
  assert.deepEqual(scoringPrompt(slot, 'ing', [12]), { text: ' ing' });
  const glued = resolveSlot(parsePromptFile('{{text}}{{rlprompt}}'));
  assert.deepEqual(scoringPrompt(glued, ' They were', [10, 11]), { text: ' They were', ids: [10, 11] });
});
