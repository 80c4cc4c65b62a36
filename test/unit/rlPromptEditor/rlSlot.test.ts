// The slot of a discrete prompt as the editor handles it: which one a command fills, how it
// follows edits of the document, and how it is found again after a reload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseSlot, locateSlot, shiftSlot, shiftSlotBy, type SlotRange, type TextChange, withSlotText } from '../../../src/extension/rlPrompt/rlSlot';

const HEAD = '---\nmodel: m\npromptsmith.task:\n  train: t.jsonl\n  labels: { positive: " happy", negative: " sad" }\n---\n';
const FILE = `${HEAD}{{text}} They were`;
const at = (source: string, text: string) => source.indexOf(text);

test('a selection inside the template is the slot; its text is the hand-written prompt', () => {
  const start = at(FILE, 'They were');
  assert.deepEqual(chooseSlot(FILE, { start, end: start + 9 }, start + 9), { kind: 'range', range: { start, end: start + 9 }, written: 'They were' });
});

test('a selection in the front matter, or beside an existing {{rlprompt}}, is refused with the reason', () => {
  const inHeader = chooseSlot(FILE, { start: 4, end: 9 }, 9);
  assert.equal(inHeader.kind, 'problem');
  assert.match(inHeader.kind === 'problem' ? inHeader.problem : '', /inside the template/);
  const withMarker = `${HEAD}{{text}} {{rlprompt}} They were`;
  const start = at(withMarker, 'They');
  const both = chooseSlot(withMarker, { start, end: start + 4 }, start);
  assert.match(both.kind === 'problem' ? both.problem : '', /already has \{\{rlprompt\}\}/);
  const two = `${HEAD}{{rlprompt}} {{text}} {{rlprompt}}`;
  const twice = chooseSlot(two, { start: two.length, end: two.length }, two.length);
  assert.match(twice.kind === 'problem' ? twice.problem : '', /2 \{\{rlprompt\}\} slots/);
});

test('nothing selected: the template’s {{rlprompt}}, else a marker at the cursor, else the template’s end', () => {
  const withMarker = `${HEAD}{{text}} {{~ rlprompt ~}}`;
  const m = at(withMarker, '{{~');
  assert.deepEqual(chooseSlot(withMarker, { start: 0, end: 0 }, 0), { kind: 'marker', range: { start: m, end: withMarker.length } });
  const cursor = at(FILE, ' They');
  assert.deepEqual(chooseSlot(FILE, { start: cursor, end: cursor }, cursor), { kind: 'insert', at: cursor });
  assert.deepEqual(chooseSlot(FILE, { start: 3, end: 3 }, 3), { kind: 'end', range: { start: FILE.length, end: FILE.length } });
});

const slotOf = (source: string, text: string): SlotRange => ({ start: at(source, text), end: at(source, text) + text.length });

/** Applies an edit to the text, like the document does. */
function edit(source: string, c: TextChange): string {
  return source.slice(0, c.offset) + c.text + source.slice(c.offset + c.length);
}

test('typing before the slot moves it, after it leaves it, inside it resizes it', () => {
  const slot = slotOf(FILE, 'They were');
  assert.deepEqual(shiftSlot(slot, { offset: 0, length: 0, text: 'xx' }), { start: slot.start + 2, end: slot.end + 2 });
  assert.deepEqual(shiftSlot(slot, { offset: slot.start, length: 0, text: 'A ' }), { start: slot.start + 2, end: slot.end + 2 }, 'typed at the start: before it');
  assert.deepEqual(shiftSlot(slot, { offset: slot.end, length: 0, text: '!' }), slot, 'typed at the end: after it');
  assert.deepEqual(shiftSlot(slot, { offset: slot.start + 4, length: 1, text: '  ' }), { start: slot.start, end: slot.end + 1 });
  assert.deepEqual(shiftSlot(slot, { offset: slot.start - 3, length: 2, text: '' }), { start: slot.start - 2, end: slot.end - 2 });
});

test('Apply (the slot replaced exactly) and its undo keep the slot on the new text', () => {
  const slot = slotOf(FILE, 'They were');
  const applied = shiftSlot(slot, { offset: slot.start, length: 9, text: 'VERY Absolutely' })!;
  const after = edit(FILE, { offset: slot.start, length: 9, text: 'VERY Absolutely' });
  assert.equal(after.slice(applied.start, applied.end), 'VERY Absolutely');
  const undone = shiftSlot(applied, { offset: applied.start, length: 15, text: 'They were' })!;
  assert.deepEqual(undone, slot);
  // An empty slot (the template's end) filled by Apply holds the text.
  const end = { start: FILE.length, end: FILE.length };
  assert.deepEqual(shiftSlot(end, { offset: FILE.length, length: 0, text: ' ok' }), { start: FILE.length, end: FILE.length + 3 });
});

test('Apply, undo and redo reported as VS Code reports them (minimal edits, one at the slot’s start) keep the slot on the whole prompt', () => {
  // The change events code-server sent for Apply "They were" → "e Lily the The Lily" and its undo.
  const source = `${'x'.repeat(493)}They were\n`;
  const slot = slotOf(source, 'They were');
  const applyEvent: TextChange[] = [
    { offset: 502, length: 0, text: ' Lily' },
    { offset: 500, length: 1, text: ' Th' },
    { offset: 498, length: 1, text: 'th' },
    { offset: 496, length: 0, text: ' Lil' },
    { offset: 493, length: 2, text: '' },
  ];
  const undoEvent: TextChange[] = [
    { offset: 507, length: 5, text: '' },
    { offset: 503, length: 3, text: 'r' },
    { offset: 500, length: 2, text: 'w' },
    { offset: 494, length: 4, text: '' },
    { offset: 493, length: 0, text: 'Th' },
  ];
  const applied = applyEvent.reduce(edit, source);
  assert.equal(applied, `${'x'.repeat(493)}e Lily the The Lily\n`);
  const filled = shiftSlotBy(slot, applyEvent)!;
  assert.equal(applied.slice(filled.start, filled.end), 'e Lily the The Lily');
  const undone = shiftSlotBy(filled, undoEvent)!;
  assert.equal(undoEvent.reduce(edit, applied).slice(undone.start, undone.end), 'They were', 'the edit typed at the slot’s start is part of the undo, not text before the slot');
  assert.deepEqual(shiftSlotBy(undone, applyEvent), filled, 'redo');
  // Several edits not all inside the slot (multi-cursor typing) are followed one by one.
  assert.deepEqual(shiftSlotBy(slot, [{ offset: 502, length: 0, text: '!' }, { offset: 0, length: 0, text: 'ab' }]), { start: slot.start + 2, end: slot.end + 2 });
});

test('an edit over one end stretches the slot; one that swallows it and more loses it', () => {
  const slot = slotOf(FILE, 'They were');
  assert.deepEqual(shiftSlot(slot, { offset: slot.start + 5, length: 6, text: 'are' }), { start: slot.start, end: slot.start + 8 });
  assert.deepEqual(shiftSlot(slot, { offset: slot.start - 2, length: 4, text: 'X' }), { start: slot.start - 2, end: slot.end - 3 });
  assert.equal(shiftSlot(slot, { offset: 0, length: FILE.length, text: 'new file' }), undefined);
  assert.equal(shiftSlotBy(slot, [{ offset: 0, length: FILE.length, text: '' }, { offset: 0, length: 0, text: 'x' }]), undefined);
});

test('random edits that leave the slot alone keep it on exactly its text (600 documents)', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let trial = 0; trial < 600; trial++) {
    let source = FILE;
    let slot: SlotRange | undefined = slotOf(source, 'They were');
    for (let i = 0; i < 8 && slot; i++) {
      // An edit entirely before the slot (up to its start) or after it (from its end).
      const before = random(2) === 0;
      const offset = before ? random(slot.start + 1) : slot.end + random(source.length - slot.end + 1);
      const limit = before ? slot.start - offset : source.length - offset;
      const c = { offset, length: Math.max(0, Math.min(random(4), limit)), text: 'αβγ\n'.slice(0, random(5)) };
      source = edit(source, c);
      slot = shiftSlot(slot, c);
    }
    assert.ok(slot, `trial ${trial}`);
    assert.equal(source.slice(slot.start, slot.end), 'They were', `trial ${trial}`);
  }
});

test('after a reload: the recorded offsets when the file is unchanged, else the slot’s texts found again', () => {
  const recorded = { ...slotOf(FILE, 'They were'), kind: 'range' };
  const candidates = ['They were', 'VERY Absolutely', 'Lily'];
  assert.deepEqual(locateSlot(FILE, recorded, candidates, true), slotOf(FILE, 'They were'));
  // Lines added above and a prompt applied: the nearest text the slot can hold.
  const applied = `${HEAD}\n\n{{text}} VERY Absolutely`;
  assert.deepEqual(locateSlot(applied, recorded, candidates), slotOf(applied, 'VERY Absolutely'));
  // At the recorded place the longest candidate wins over a prefix of it.
  const prefix = `${HEAD}{{text}} They were happy`;
  assert.deepEqual(locateSlot(prefix, recorded, ['They', 'They were']), slotOf(prefix, 'They were'));
  // Nothing the slot can hold is left: no slot (Apply then uses the selection).
  assert.equal(locateSlot(`${HEAD}{{text}} It was`, recorded, candidates), undefined);
  // A marker run: the marker, wherever it moved; an end run: the template's end.
  const marker = `${HEAD}\n{{text}} {{rlprompt}}.`;
  assert.deepEqual(locateSlot(marker, { start: 3, end: 15, kind: 'marker' }, ['']), slotOf(marker, '{{rlprompt}}'));
  const grown = `${FILE} and more`;
  assert.deepEqual(locateSlot(grown, { start: FILE.length, end: FILE.length, kind: 'end' }, ['']), { start: grown.length, end: grown.length });
});

test('withSlotText writes a prompt into the slot and nothing else', () => {
  const slot = slotOf(FILE, 'They were');
  assert.equal(withSlotText(FILE, slot, 'VERY Absolutely'), `${HEAD}{{text}} VERY Absolutely`);
  assert.equal(withSlotText(FILE, { start: FILE.length, end: FILE.length }, ' x'), `${FILE} x`);
});
