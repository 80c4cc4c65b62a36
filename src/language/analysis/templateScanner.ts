// A linear scan of a Handlebars template for its `{{…}}` tags. It finds what Handlebars' own
// parser reports only vaguely (one line, a caret in a 20-character excerpt): a `{{` that never
// closes, a block that is never closed, a closing tag without its block. Offsets are relative
// to the template.

export type TagKind = 'mustache' | 'triple' | 'open' | 'close' | 'else' | 'partial' | 'comment' | 'raw';

export interface Tag {
  kind: TagKind;
  start: number;
  end: number;
  /** Block/helper/partial name where the tag has one (`if`, `each`, `persona`). */
  name?: string;
  /** Offsets of the name. */
  nameStart?: number;
  nameEnd?: number;
}

export interface ScanProblem {
  code: 'unbalanced-braces' | 'unclosed-block' | 'unmatched-close-block';
  message: string;
  start: number;
  end: number;
}

export interface ScanResult {
  tags: Tag[];
  problems: ScanProblem[];
}

/** Finds the end of a tag starting at `start` (after the opening braces), respecting strings. */
function findTagEnd(text: string, from: number, closer: string): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' && text[i + 1] === '{') return -1;
    else if (c === closer[0] && text.startsWith(closer, i)) return i + closer.length;
  }
  return -1;
}

/** Characters that end a name inside a tag: whitespace ~ } ( ) " ' = */
const NAME_END = new Set([9, 10, 13, 32, 126, 125, 40, 41, 34, 39, 61]);

function readName(text: string, at: number): { name: string; start: number; end: number } | undefined {
  let i = at;
  while (i < text.length && NAME_END.has(text.charCodeAt(i)) && text.charCodeAt(i) <= 32) i++;
  let j = i;
  while (j < text.length && !NAME_END.has(text.charCodeAt(j))) j++;
  return j > i ? { name: text.slice(i, j), start: i, end: j } : undefined;
}

export function scanTemplate(text: string, maxProblems = 200): ScanResult {
  const tags: Tag[] = [];
  const problems: ScanProblem[] = [];
  const stack: Tag[] = [];
  let i = text.indexOf('{{');
  while (i !== -1 && problems.length < maxProblems) {
    if (i > 0 && text[i - 1] === '\\') {
      // `\{{` is a literal `{{` in Handlebars.
      i = text.indexOf('{{', i + 2);
      continue;
    }
    if (text.startsWith('{{!--', i) || text.startsWith('{{~!--', i)) {
      const realEnd = findLongCommentEnd(text, i + 5);
      if (realEnd === -1) {
        problems.push({ code: 'unbalanced-braces', message: "comment '{{!--' is never closed with '--}}'", start: i, end: i + 5 });
        break;
      }
      tags.push({ kind: 'comment', start: i, end: realEnd });
      i = text.indexOf('{{', realEnd);
      continue;
    }
    if (text.startsWith('{{!', i) || text.startsWith('{{~!', i)) {
      const end = text.indexOf('}}', i + 3);
      if (end === -1) {
        problems.push({ code: 'unbalanced-braces', message: "comment '{{!' is never closed with '}}'", start: i, end: i + 3 });
        break;
      }
      tags.push({ kind: 'comment', start: i, end: end + 2 });
      i = text.indexOf('{{', end + 2);
      continue;
    }
    if (text.startsWith('{{{{', i)) {
      // Raw blocks are rare in prompts: take the tag and move on without block matching.
      const end = text.indexOf('}}}}', i + 4);
      if (end === -1) {
        problems.push({ code: 'unbalanced-braces', message: "'{{{{' is never closed with '}}}}'", start: i, end: i + 4 });
        break;
      }
      tags.push({ kind: 'raw', start: i, end: end + 4 });
      i = text.indexOf('{{', end + 4);
      continue;
    }
    const triple = text[i + 2] === '{';
    const bodyStart = i + (triple ? 3 : 2);
    const end = findTagEnd(text, bodyStart, triple ? '}}}' : '}}');
    if (end === -1) {
      const opener = triple ? '{{{' : '{{';
      const closer = triple ? '}}}' : '}}';
      const lineEnd = text.indexOf('\n', i);
      problems.push({
        code: 'unbalanced-braces',
        message: `'${opener}' is not closed: add '${closer}'`,
        start: i,
        end: Math.min(lineEnd === -1 ? text.length : lineEnd, i + 80),
      });
      i = text.indexOf('{{', bodyStart);
      continue;
    }
    const tag = classify(text, i, bodyStart, end, triple);
    tags.push(tag);
    if (tag.kind === 'open') stack.push(tag);
    else if (tag.kind === 'close') closeBlock(stack, tag, problems);
    i = text.indexOf('{{', end);
  }
  for (const open of stack) {
    if (problems.length >= maxProblems) break;
    problems.push({ code: 'unclosed-block', message: `block '${open.name}' is never closed: add '{{/${open.name}}}'`, start: open.start, end: open.end });
  }
  return { tags, problems };
}

function findLongCommentEnd(text: string, from: number): number {
  const m = /--~?}}/g;
  m.lastIndex = from;
  const r = m.exec(text);
  return r ? r.index + r[0].length : -1;
}

function classify(text: string, start: number, bodyStart: number, end: number, triple: boolean): Tag {
  if (triple) return { kind: 'triple', start, end };
  let j = bodyStart;
  if (text[j] === '~') j++;
  while (text[j] === ' ') j++;
  const sigil = text[j];
  const named = (kind: TagKind, at: number): Tag => {
    const n = readName(text, at);
    return n ? { kind, start, end, name: n.name, nameStart: n.start, nameEnd: n.end } : { kind, start, end };
  };
  if (sigil === '#') {
    let k = j + 1;
    if (text[k] === '>' || text[k] === '*') k++;
    return named('open', k);
  }
  if (sigil === '/') return named('close', j + 1);
  if (sigil === '^') {
    const n = readName(text, j + 1);
    return n ? { kind: 'open', start, end, name: n.name, nameStart: n.start, nameEnd: n.end } : { kind: 'else', start, end };
  }
  if (sigil === '>') return named('partial', j + 1);
  if (sigil === '&') return named('mustache', j + 1);
  const tag = named('mustache', j);
  if (tag.name === 'else') return { ...tag, kind: 'else' };
  return tag;
}

function closeBlock(stack: Tag[], close: Tag, problems: ScanProblem[]): void {
  let depth = stack.length - 1;
  while (depth >= 0 && stack[depth]!.name !== close.name) depth--;
  if (depth === -1) {
    const inline = ['section', 'role', 'history', 'json', 'media'].includes(close.name ?? '') ? ` ('{{${close.name} …}}' is not a block: it needs no closing tag)` : '';
    problems.push({ code: 'unmatched-close-block', message: `'{{/${close.name ?? ''}}}' closes no open block${inline}`, start: close.start, end: close.end });
    return;
  }
  // Blocks opened after the matching one were never closed.
  for (const open of stack.splice(depth).slice(1)) {
    problems.push({ code: 'unclosed-block', message: `block '${open.name}' is never closed before '{{/${close.name}}}'`, start: open.start, end: open.end });
  }
}
