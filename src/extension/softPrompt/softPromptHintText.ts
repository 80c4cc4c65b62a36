// What the editor shows about a tuned soft prompt: the CodeLens title (each virtual token's
// closest vocabulary token), the hover (the full nearest-token table with cosine similarity), and
// where in the .prompt file it goes. Pure text in, text out.
import { parsePromptFile } from '../../promptFile/promptFile';
import type { HintToken, SoftPromptHint } from './softPromptRuns';

/** The CodeLens title starts with this; the e2e tests look for it. */
export const HINT_TITLE_PREFIX = '◆ soft prompt';

/** Tokens are shown as the tokenizer spells them (▁, Ġ, <0x0A>); control characters become visible. */
export function displayToken(token: string, max = 24): string {
  let visible = '';
  for (const c of token) {
    const code = c.charCodeAt(0);
    visible += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return visible.length > max ? `${visible.slice(0, max - 1)}…` : visible;
}

function accuracy(x: number): string {
  return x.toFixed(2);
}

/**
 * `◆ soft prompt (8 tokens, test 0.83, dev 0.97): ▁happy ▁joy …` — held-out accuracy first when
 * the task has a test split; without one, dev is marked as the split that chose the prompt.
 */
export function hintTitle(hint: SoftPromptHint, maxShown = 6): string {
  const size = `${hint.numVirtualTokens} token${hint.numVirtualTokens === 1 ? '' : 's'}`;
  const test = hint.testAcc === undefined ? '' : `, test ${accuracy(hint.testAcc)}`;
  const dev = hint.devAcc === undefined ? '' : hint.testAcc === undefined ? `, dev ${accuracy(hint.devAcc)} (used for selection)` : `, dev ${accuracy(hint.devAcc)}`;
  const firsts = hint.nearest.map((row) => row[0]?.token ?? '?');
  const shown = firsts.slice(0, maxShown).map((t) => displayToken(t, 16));
  // A CodeLens title renders $(name) as an icon; a token must never do that.
  const tokens = shown.join(' ').replaceAll('$(', '$\u200b(');
  return `${HINT_TITLE_PREFIX} (${size}${test}${dev}): ${tokens}${firsts.length > maxShown ? ' …' : ''}`;
}

/** The CodeLens tooltip (plain text): one line per virtual token with its nearest tokens. */
export function hintTooltip(hint: SoftPromptHint): string {
  const rows = hint.nearest.map((row, i) => `${i}: ${row.map((t) => (t.similarity === undefined ? displayToken(t.token) : `${displayToken(t.token)} (${t.similarity.toFixed(2)})`)).join(', ')}`);
  return [`Nearest vocabulary tokens of each virtual token (run ${hint.runId}):`, ...rows, '', 'Hover the line for the table; click to open the runs panel.'].join('\n');
}

/** Inline code that survives any token text, also inside a table cell (pipes escaped). */
export function code(text: string, max = 40): string {
  const escaped = displayToken(text, max).replaceAll('|', '\\|');
  const fence = escaped.includes('`') ? '``' : '`';
  return `${fence}${escaped.startsWith('`') || escaped.endsWith('`') ? ` ${escaped} ` : escaped}${fence}`;
}

function cell(t: HintToken): string {
  return t.similarity === undefined ? code(t.token) : `${code(t.token)} ${t.similarity.toFixed(3)}`;
}

/** Markdown for the hover: a header with the run and accuracies, then token i → its k nearest. */
export function hintHoverMarkdown(hint: SoftPromptHint): string {
  const lines: string[] = [];
  lines.push(`**Soft prompt** — ${hint.numVirtualTokens} virtual tokens`);
  lines.push('');
  const rows: [string, number | undefined, number | undefined][] = [];
  if (hint.testAcc !== undefined || hint.manualTestAcc !== undefined) rows.push(['test (held out)', hint.testAcc, hint.manualTestAcc]);
  if (hint.devAcc !== undefined || hint.manualDevAcc !== undefined) rows.push([hint.testAcc === undefined ? 'dev (used for selection)' : 'dev', hint.devAcc, hint.manualDevAcc]);
  if (rows.length > 0) {
    const show = (x: number | undefined) => (x === undefined ? '—' : accuracy(x));
    lines.push('| accuracy | soft prompt | hand-written |', '|:---|---:|---:|', ...rows.map(([split, tuned, manual]) => `| ${split} | ${show(tuned)} | ${show(manual)} |`));
    if (hint.testAcc === undefined) lines.push('', '_No test split: dev chose this prompt, so no number here is held out._');
    lines.push('');
  }
  lines.push(`Run \`${hint.runId}\`${hint.endedAt ? ` (finished ${hint.endedAt.replace('T', ' ').slice(0, 19)} UTC)` : ''}${hint.slot ? ` · slot \`${hint.slot}\`` : ''}`);
  lines.push('');
  const withSimilarity = hint.nearest.some((row) => row.some((t) => t.similarity !== undefined));
  lines.push(`| virtual token | nearest vocabulary tokens${withSimilarity ? ' (cosine similarity)' : ''} |`);
  lines.push('|---:|:---|');
  hint.nearest.forEach((row, i) => {
    lines.push(`| ${i} | ${row.map(cell).join(' · ')} |`);
  });
  if (!withSimilarity) {
    lines.push('');
    lines.push('_This run kept only each virtual token’s closest token; tune again for the full table._');
  }
  return lines.join('\n');
}

/** Where the hint goes: the `{{softprompt "slot"}}` marker, else the template's first line. */
export interface HintAnchor {
  /** Offsets into the source. */
  start: number;
  end: number;
  onSlot: boolean;
}

/** The `{{softprompt "name"}}` markers in the template (any name when `name` is undefined). */
function slotMarkers(template: string, name: string | undefined): RegExpExecArray[] {
  const named = name === undefined ? '[\\w.-]+' : name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...template.matchAll(new RegExp(`\\{\\{~?\\s*softprompt\\s+(["'])${named}\\1\\s*~?\\}\\}`, 'g'))];
}

/**
 * As the engine places the virtual tokens: at the slot named by the run (or the file's
 * promptsmith.softPrompt.slot), else at the template's only slot, else before the input.
 */
export function hintAnchor(source: string, slot?: string): HintAnchor {
  const parsed = parsePromptFile(source);
  const name = slot ?? parsed.softPrompt?.slot;
  const body = source.slice(parsed.templateOffset);
  const markers = slotMarkers(body, name);
  const match = markers.length === 1 ? markers[0] : undefined;
  if (match) {
    const start = parsed.templateOffset + match.index;
    return { start, end: start + match[0].length, onSlot: true };
  }
  // No slot: the virtual tokens come before the whole input, i.e. before the template's first line.
  const lineEnd = source.indexOf('\n', parsed.templateOffset);
  const end = lineEnd === -1 ? source.length : lineEnd > 0 && source[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  return { start: parsed.templateOffset, end, onSlot: false };
}
