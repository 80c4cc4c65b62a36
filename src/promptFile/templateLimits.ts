// Bounds checked before a template reaches Handlebars. Its parser and compiler recurse once per
// nesting level and slow down badly with depth (800 nested `{{#if}}` take a second, a few
// thousand take minutes or overflow the stack), and rendering costs about 25 s per MB of
// template. A linear scan finds the nesting depth first, so such templates get a clear problem
// in milliseconds instead.

/** Deeper than any real prompt (a handful of levels), far below where Handlebars gets slow. */
export const MAX_TEMPLATE_NESTING = 100;

/** Largest template (with its partials, each on its own) that run, eval and tuning render. */
export const MAX_RENDERED_TEMPLATE = 256 * 1024;

export interface NestingFound {
  depth: number;
  /** Offset of the tag that first went past the limit (or of the deepest tag). */
  offset: number;
}

/**
 * The deepest nesting of blocks (`{{#x}}`, `{{^x}}`, `{{#> p}}`) plus sub-expressions `( … )`
 * inside one tag, scanning once. Comments are skipped; unclosed blocks count as open.
 * Stops at the first tag deeper than `limit`.
 */
export function templateNesting(template: string, limit = MAX_TEMPLATE_NESTING): NestingFound {
  let depth = 0;
  let deepest: NestingFound = { depth: 0, offset: 0 };
  let pos = template.indexOf('{{');
  while (pos !== -1) {
    if (template.startsWith('{{!--', pos) || template.startsWith('{{~!--', pos)) {
      const end = template.indexOf('--', template.indexOf('--', pos) + 2);
      pos = end === -1 ? -1 : template.indexOf('{{', end);
      continue;
    }
    const close = template.indexOf('}}', pos + 2);
    if (close === -1) break;
    let i = pos + 2;
    while (template[i] === '{' || template[i] === '~' || template[i] === ' ') i++;
    const sigil = template[i];
    if (sigil === '!') {
      pos = template.indexOf('{{', close + 2);
      continue;
    }
    if (sigil === '/') depth = Math.max(0, depth - 1);
    const opens = (sigil === '#' || sigil === '^') && template[i + 1] !== '}' && template.slice(i + 1, close).trim() !== '';
    const inner = depth + (opens ? 1 : 0) + parenDepth(template, i, close);
    if (inner > deepest.depth) deepest = { depth: inner, offset: pos };
    if (inner > limit) return deepest;
    if (opens) depth++;
    pos = template.indexOf('{{', close + 2);
  }
  return deepest;
}

/** The deepest `(` nesting between `from` and `to`, outside string literals. */
function parenDepth(text: string, from: number, to: number): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') max = Math.max(max, ++depth);
    else if (c === ')') depth = Math.max(0, depth - 1);
  }
  return max;
}

/** Why a template must not be handed to Handlebars, or undefined when it may. `what` names it in the message. */
export function templateLimitProblem(template: string, what = 'the template'): { message: string; offset: number } | undefined {
  const nesting = templateNesting(template);
  if (nesting.depth > MAX_TEMPLATE_NESTING) {
    return {
      message: `${what} nests blocks and sub-expressions more than ${MAX_TEMPLATE_NESTING} levels deep; Promptsmith does not parse it (Handlebars would take minutes or overflow its stack)`,
      offset: nesting.offset,
    };
  }
  return undefined;
}

/** As templateLimitProblem, plus the size bound that rendering has (analysis has its own). */
export function renderLimitProblem(template: string, what = 'the template'): string | undefined {
  if (template.length > MAX_RENDERED_TEMPLATE) {
    return `${what} is ${Math.round(template.length / 1024)} KB; Promptsmith renders templates up to ${MAX_RENDERED_TEMPLATE / 1024} KB (move long texts into the input or a dataset)`;
  }
  return templateLimitProblem(template, what)?.message;
}
