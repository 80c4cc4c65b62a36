// `{{softprompt "name"}}`: the Handlebars helper that marks where soft prompt tuning places its
// virtual tokens, and the functions that find those marks in rendered text.

const SOFT_PROMPT_PREFIX = '<<<promptsmith:softprompt:';
const SOFT_PROMPT_SPLIT = /<<<promptsmith:softprompt:([\w.-]+)>>>/g;
export const SOFT_PROMPT_NAME = /^[\w.-]+$/;

/** The text `{{softprompt "name"}}` renders to; soft prompt tuning puts virtual tokens there. */
export function SOFT_PROMPT_MARKER(name: string): string {
  return `${SOFT_PROMPT_PREFIX}${name}>>>`;
}

export type PromptPiece = { kind: 'text'; text: string } | { kind: 'softPrompt'; name: string };

/** Splits rendered text at soft-prompt markers (empty text pieces are dropped). */
export function splitSoftPromptMarkers(text: string): PromptPiece[] {
  const pieces: PromptPiece[] = [];
  let last = 0;
  for (const m of text.matchAll(SOFT_PROMPT_SPLIT)) {
    if (m.index > last) pieces.push({ kind: 'text', text: text.slice(last, m.index) });
    pieces.push({ kind: 'softPrompt', name: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) pieces.push({ kind: 'text', text: text.slice(last) });
  return pieces;
}

/** Removes soft-prompt markers (a prompt run without a tuned soft prompt). */
export function stripSoftPromptMarkers(text: string): string {
  return text.replace(SOFT_PROMPT_SPLIT, '');
}

export function softPromptHelper(mode: 'marker' | 'empty') {
  return (...args: unknown[]): unknown => {
    const name = args.length > 1 ? args[0] : 'default';
    if (typeof name !== 'string' || !SOFT_PROMPT_NAME.test(name)) {
      throw new Error(`{{softprompt}} takes one name made of letters, digits, '_', '.', '-', got ${JSON.stringify(name)}`);
    }
    return new SafeText(mode === 'marker' ? SOFT_PROMPT_MARKER(name) : '');
  };
}

/** Handlebars' SafeString contract (toHTML), so markers are never escaped (also renderHelpers.ts). */
export class SafeText {
  constructor(private readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toHTML(): string {
    return this.text;
  }
}

// `{{rlprompt}}`: where RL prompt tuning writes its discrete prompt. Outside tuning it renders
// nothing; while tuning it renders a marker the engine splits each rendered example at.
export const RL_PROMPT_MARKER = '<<<promptsmith:rlprompt>>>';

export function rlPromptHelper(mode: 'marker' | 'empty') {
  return (...args: unknown[]): unknown => {
    // Handlebars passes its options object last; anything before it is an argument.
    if (args.length > 1) throw new Error('{{rlprompt}} takes no arguments');
    return new SafeText(mode === 'marker' ? RL_PROMPT_MARKER : '');
  };
}
