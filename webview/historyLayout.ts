// How the run list fits the panel's width: the full table when there is room, fewer columns in
// a half-width editor group, and one stacked card per run when narrower still, so no cell is
// cut to "k…" or "12/4/20…". Dates are short in the list and complete on hover.
import type { RunListItem } from '../src/protocol/panelMessages';
import { el } from './dom';

export type HistoryLayout = 'wide' | 'medium' | 'narrow';

/** Widths in CSS pixels of the history section. */
export function historyLayoutFor(width: number): HistoryLayout {
  if (width >= 880) return 'wide';
  if (width >= 560) return 'medium';
  return 'narrow';
}

/**
 * The table's columns per layout: header, width (percent) and whether it is shown. The short
 * columns (created, kind, status, the buttons) are sized to fit at the layout's narrowest width;
 * name, prompt file and model share the rest and show their full text on hover.
 */
export const HISTORY_COLUMNS: Record<Exclude<HistoryLayout, 'narrow'>, { headers: string[]; widths: string[]; keep: boolean[] }> = {
  // tick, created, kind, name, prompt file, model, status, actions
  wide: {
    headers: ['', 'created', 'kind', 'name', 'prompt file', 'model', 'status', ''],
    widths: ['4.5%', '14.5%', '7.5%', '14%', '16%', '10.5%', '13.5%', '19.5%'],
    keep: [true, true, true, true, true, true, true, true],
  },
  medium: {
    headers: ['', 'created', 'name', 'status', ''],
    widths: ['7%', '23%', '17%', '21.5%', '31.5%'],
    keep: [true, true, false, true, false, false, true, true],
  },
};

/** "Dec 4, 14:03" (this year) or "Dec 4, 2025": short enough for its column; the title has the rest. */
export function shortDate(iso: string | undefined, now = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameYear = d.getFullYear() === now.getFullYear();
  return sameYear
    ? `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`
    : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fullDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'medium' });
}

/** Text that may be clipped in its column, whole on hover. */
export function clippable(text: string): HTMLElement {
  return el('span', { title: text }, [text]);
}

/** A date cell: short text, the full date on hover, machine-readable datetime. */
export function dateCell(iso: string | undefined): HTMLElement {
  return el('time', { title: fullDate(iso), datetime: iso ?? '' }, [shortDate(iso)]);
}

/** What the hidden columns held, for the name cell's tooltip in the medium layout. */
export function runSummary(r: RunListItem): string {
  return [r.name ?? r.id, r.kind && `kind: ${r.kind}`, r.promptFile && `prompt: ${r.promptFile}`, r.model && `model: ${r.model}`].filter(Boolean).join('\n');
}

/** One run as a stacked card: tick, name and status; kind · prompt · model; date and actions. */
export function runCard(r: RunListItem, tick: Node, status: Node, actions: Node): HTMLElement {
  const details = [r.kind, r.promptFile, r.model].filter((x): x is string => !!x).join(' · ');
  return el('li', { class: 'run-card' }, [
    el('div', { class: 'run-card-head' }, [tick, el('span', { class: 'run-card-name', title: runSummary(r) }, [r.name ?? r.id]), status]),
    details ? el('div', { class: 'run-card-details muted', title: details }, [details]) : null,
    el('div', { class: 'run-card-foot' }, [dateCell(r.createdAt), actions]),
  ]);
}
