// Where the discrete prompt goes in a .prompt file's template: an explicit source range (the
// editor's selection; its text is the hand-written prompt it replaces), else a `{{rlprompt}}`
// marker, else the end of the template. The prompt text is applied to the file exactly there.
import type { ParsedPromptFile } from '../../../promptFile/promptFile';

/** Half-open source offsets [start, end). */
export interface SlotRange {
  start: number;
  end: number;
}

export interface ResolvedSlot {
  kind: 'range' | 'marker' | 'end';
  /** The source span a prompt text replaces (empty for 'end'). */
  span: SlotRange;
  /** The text the range holds now ('' for a marker or the end). */
  writtenText: string;
  /** The template with `{{rlprompt}}` at the slot. */
  template: string;
  /** The template has whitespace (or nothing) just before the slot: a prompt is written there without its own leading space. */
  afterSpace: boolean;
  /**
   * The template has a space or tab just before the slot: for scoring, that space moves from the
   * examples' text into the prompt (" They were"), so the prompt's ids join the prefix exactly.
   */
  trimBefore: boolean;
}

export class SlotError extends Error {}

const MARKER = /\{\{~?\s*rlprompt\s*~?\}\}/g;
const SLOT = '{{rlprompt}}';

/** "LINE:COL-LINE:COL" (1-based, end column exclusive, as an editor shows them) → source offsets. */
export function parseSlotPosition(source: string, spec: string): SlotRange {
  const m = /^(\d+):(\d+)-(\d+):(\d+)$/.exec(spec.trim());
  if (!m) throw new SlotError(`slot ${JSON.stringify(spec)}: expected LINE:COL-LINE:COL (1-based, end column exclusive)`);
  const lines = source.split('\n');
  const offset = (line: number, col: number, what: string): number => {
    const text = lines[line - 1];
    if (text === undefined || line < 1) throw new SlotError(`slot ${spec}: the ${what} line ${line} is outside the file (${lines.length} lines)`);
    if (col < 1 || col > text.replace(/\r$/, '').length + 1) throw new SlotError(`slot ${spec}: the ${what} column ${col} is outside line ${line}`);
    return lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0) + col - 1;
  };
  const range = { start: offset(Number(m[1]), Number(m[2]), 'start'), end: offset(Number(m[3]), Number(m[4]), 'end') };
  if (range.end < range.start) throw new SlotError(`slot ${spec}: the end comes before the start`);
  return range;
}

export function resolveSlot(parsed: ParsedPromptFile, range?: SlotRange): ResolvedSlot {
  const where = parsed.path ?? '.prompt file';
  const t0 = parsed.templateOffset;
  const template = parsed.template;
  if (range) {
    if (range.start < t0 || range.end > t0 + template.length || range.end < range.start) {
      throw new SlotError(`${where}: the slot [${range.start}, ${range.end}) is outside the template (offsets ${t0}–${t0 + template.length})`);
    }
    const a = range.start - t0;
    const b = range.end - t0;
    return { kind: 'range', span: range, writtenText: template.slice(a, b), template: template.slice(0, a) + SLOT + template.slice(b), ...spacing(template.slice(0, a)) };
  }
  const markers = [...template.matchAll(MARKER)];
  if (markers.length > 1) throw new SlotError(`${where}: the template has ${markers.length} {{rlprompt}} slots; RL prompt tuning fills one`);
  const marker = markers[0];
  if (marker) {
    const start = t0 + marker.index;
    return { kind: 'marker', span: { start, end: start + marker[0].length }, writtenText: '', template, ...spacing(template.slice(0, marker.index)) };
  }
  const end = t0 + template.length;
  return { kind: 'end', span: { start: end, end }, writtenText: '', template: template + SLOT, ...spacing(template) };
}

function spacing(templateBefore: string): Pick<ResolvedSlot, 'afterSpace' | 'trimBefore'> {
  return { afterSpace: templateBefore === '' || /\s$/.test(templateBefore), trimBefore: /[ \t]$/.test(templateBefore) };
}

/** The source with `text` written into the slot (what "Apply" does). */
export function applyPromptText(source: string, slot: ResolvedSlot, text: string): string {
  return source.slice(0, slot.span.start) + text + source.slice(slot.span.end);
}

/** The text written into the slot for a prompt whose natural form is `spaced` (e.g. " They were"). */
export function slotText(slot: ResolvedSlot, spaced: string): string {
  return slot.afterSpace && spaced.startsWith(' ') ? spaced.slice(1) : spaced;
}

/**
 * The prompt as the scorer sees it, given the examples' `before` text lost its trailing space
 * where the slot follows one (rlTask.ts): the space comes back with the prompt. The ids are
 * joined as they are only when they spell exactly that text.
 */
export function scoringPrompt(slot: ResolvedSlot, natural: string, ids: readonly number[]): { text: string; ids?: readonly number[] } {
  const text = scoringText(slot, slotText(slot, natural));
  return text === natural ? { text, ids } : { text };
}

/** The scored form of a text written in the slot. */
export function scoringText(slot: ResolvedSlot, written: string): string {
  return slot.trimBefore ? ` ${written}` : written;
}
