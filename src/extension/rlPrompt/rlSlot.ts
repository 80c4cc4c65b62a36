// Where a discrete prompt goes in a .prompt file, as the editor sees it: which slot a command
// fills (the selection, a `{{rlprompt}}` marker, the cursor or the template's end), how that slot
// moves while the document is edited, and where it is after a reload, when only the offsets the
// run recorded and the texts the slot may hold are known. Pure offsets, tested without vscode.
import { parsePromptFile } from '../../promptFile/promptFile';
import { resolveSlot, SlotError } from '../../engine/tuning/rlprompt/slot';

/** Half-open source offsets [start, end). */
export interface SlotRange {
  start: number;
  end: number;
}

/** One edit of the document: `length` characters at `offset` replaced by `text`. */
export interface TextChange {
  offset: number;
  length: number;
  text: string;
}

/**
 * What "Optimize this prompt with RL" fills: the selection (`range`), the template's
 * `{{rlprompt}}` (`marker`), a marker to insert at the cursor (`insert`), or, with the cursor
 * outside the template, its end (`end`, as the CLI does without --slot).
 */
export type SlotChoice =
  | { kind: 'range'; range: SlotRange; written: string }
  | { kind: 'marker'; range: SlotRange }
  | { kind: 'insert'; at: number }
  | { kind: 'end'; range: SlotRange }
  | { kind: 'problem'; problem: string };

export const RL_SLOT_MARKER = '{{rlprompt}}';

export function chooseSlot(source: string, selection: SlotRange, cursor: number): SlotChoice {
  const parsed = parsePromptFile(source);
  let marker: SlotRange | undefined;
  try {
    const existing = resolveSlot(parsed);
    if (existing.kind === 'marker') marker = existing.span;
  } catch (err) {
    if (err instanceof SlotError) return { kind: 'problem', problem: err.message };
    throw err;
  }
  if (selection.end > selection.start) {
    if (marker) return { kind: 'problem', problem: `the template already has ${RL_SLOT_MARKER}: remove it, or run with nothing selected to fill it` };
    try {
      const slot = resolveSlot(parsed, selection);
      return { kind: 'range', range: slot.span, written: slot.writtenText };
    } catch (err) {
      if (err instanceof SlotError) return { kind: 'problem', problem: 'select text inside the template (below the front matter): the selection is the prompt RL replaces' };
      throw err;
    }
  }
  if (marker) return { kind: 'marker', range: marker };
  const templateEnd = parsed.templateOffset + parsed.template.length;
  if (cursor >= parsed.templateOffset && cursor <= templateEnd && parsed.template.trim() !== '') return { kind: 'insert', at: cursor };
  return { kind: 'end', range: { start: templateEnd, end: templateEnd } };
}

/**
 * The slot after one edit: text typed before it moves it, text typed inside it (or replacing
 * it exactly, as Apply and undo do) resizes it, an edit over one of its ends stretches it over
 * what was typed, and an edit that swallows it and more (select all, paste) loses it.
 */
export function shiftSlot(slot: SlotRange, change: TextChange): SlotRange | undefined {
  const changeEnd = change.offset + change.length;
  const delta = change.text.length - change.length;
  const exact = change.offset === slot.start && changeEnd === slot.end;
  if (!exact && changeEnd <= slot.start) return { start: slot.start + delta, end: slot.end + delta };
  if (change.offset >= slot.end && !exact) return slot;
  if (change.offset >= slot.start && changeEnd <= slot.end) return { start: slot.start, end: slot.end + delta };
  if (change.offset <= slot.start && changeEnd >= slot.end) return undefined;
  return { start: Math.min(slot.start, change.offset), end: Math.max(slot.end, changeEnd) + delta };
}

/**
 * Applies a document change event's edits in the order VS Code gives them. VS Code reports a
 * replacement (Apply, its undo and redo) as the minimal edits between the old and new text,
 * e.g. "They were" → "e Lily…" as five small edits, one typed at the slot's start: when every
 * edit of one event lies within the slot, they are one replacement of the slot's text.
 */
export function shiftSlotBy(slot: SlotRange, changes: readonly TextChange[]): SlotRange | undefined {
  if (changes.length > 1 && changes.every((c) => c.offset >= slot.start && c.offset + c.length <= slot.end)) {
    const delta = changes.reduce((sum, c) => sum + c.text.length - c.length, 0);
    return { start: slot.start, end: slot.end + delta };
  }
  let current: SlotRange | undefined = slot;
  for (const change of changes) {
    if (!current) return undefined;
    current = shiftSlot(current, change);
  }
  return current;
}

const MARKER = /\{\{~?\s*rlprompt\s*~?\}\}/g;

/**
 * Finds the slot in `source` after edits the editor did not see (a reload, a file changed on
 * disk): where the run put it if the text there is one the slot can hold (the hand-written text,
 * a found prompt, the marker), else the nearest such text in the template; undefined if none.
 * `unchanged`: the file is byte-for-byte the one the run read, so the recorded offsets hold.
 */
export function locateSlot(source: string, recorded: SlotRange & { kind?: string }, candidates: readonly string[], unchanged = false): SlotRange | undefined {
  if (unchanged && recorded.end <= source.length) return { start: recorded.start, end: recorded.end };
  const parsed = parsePromptFile(source);
  const t0 = parsed.templateOffset;
  const template = parsed.template;
  const found: SlotRange[] = [];
  for (const m of template.matchAll(MARKER)) found.push({ start: t0 + m.index, end: t0 + m.index + m[0].length });
  for (const text of new Set(candidates)) {
    if (text === '') continue;
    for (let at = template.indexOf(text); at !== -1; at = template.indexOf(text, at + 1)) found.push({ start: t0 + at, end: t0 + at + text.length });
  }
  if (found.length === 0) {
    // A run that filled the template's end (no selection, no marker) fills it wherever it is now.
    const end = t0 + template.length;
    return recorded.kind === 'end' ? { start: end, end } : undefined;
  }
  // At the recorded place the longest text wins ("They were" over "They"); elsewhere the nearest.
  found.sort((a, b) => Math.abs(a.start - recorded.start) - Math.abs(b.start - recorded.start) || b.end - b.start - (a.end - a.start));
  return found[0];
}

/** The source with `text` in the slot. */
export function withSlotText(source: string, slot: SlotRange, text: string): string {
  return source.slice(0, slot.start) + text + source.slice(slot.end);
}
