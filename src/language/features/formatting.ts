// Formatting that cannot change what the prompt renders: the YAML front matter is re-printed
// only when it parses back to the same data, and inside `{{ }}` tags whitespace is normalised
// only when Handlebars parses the result to the same syntax tree. Template text is never touched.
import { isDeepStrictEqual } from 'node:util';
import Handlebars from 'handlebars';
import { parseDocument } from 'yaml';
import type { PromptAnalysis } from '../analysis/diagnostics';

export function formatPromptSource(analysis: PromptAnalysis): string {
  const { parsed, template } = analysis;
  let { source } = parsed;
  const templateHasErrors = template.problems.some((p) => p.severity === 'error') || !template.parsed;
  if (!templateHasErrors) {
    const formatted = formatTags(parsed.template, template.tags);
    if (formatted !== parsed.template && sameTree(parsed.template, formatted)) {
      source = source.slice(0, parsed.templateOffset) + formatted + source.slice(parsed.templateOffset + parsed.template.length);
    }
  }
  const fm = parsed.frontMatter;
  if (fm && parsed.yaml && parsed.yaml.errors.length === 0 && !parsed.problems.some((p) => p.severity === 'error')) {
    const printed = parsed.yaml.toString({ lineWidth: 0 }).replace(/\n$/, '');
    const reparsed = parseDocument(printed);
    if (reparsed.errors.length === 0 && isDeepStrictEqual(reparsed.toJS(), parsed.yaml.toJS()) && printed !== fm.text) {
      source = source.slice(0, fm.start) + printed + source.slice(fm.end);
    }
  }
  return source;
}

/** `{{  #if   x }}` → `{{#if x}}`; strings, comments and whitespace-control `~` are kept. */
function formatTags(text: string, tags: PromptAnalysis['template']['tags']): string {
  let out = '';
  let last = 0;
  for (const tag of tags) {
    if (tag.kind === 'comment' || tag.kind === 'raw') continue;
    const open = tag.kind === 'triple' ? 3 : 2;
    const body = text.slice(tag.start + open, tag.end - open);
    out += text.slice(last, tag.start + open) + normaliseBody(body);
    last = tag.end - open;
  }
  return out + text.slice(last);
}

function normaliseBody(body: string): string {
  const lead = body.startsWith('~') ? '~' : '';
  const trail = body.endsWith('~') && body.length > 1 ? '~' : '';
  let inner = body.slice(lead.length, body.length - trail.length);
  let result = '';
  let quote = '';
  let space = false;
  inner = inner.trim();
  for (const c of inner) {
    if (quote) {
      result += c;
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    if (/\s/.test(c)) {
      space = true;
      continue;
    }
    if (space) result += ' ';
    space = false;
    result += c;
  }
  // No space between a sigil and its name: `# if` → `#if`, `/ if` → `/if`; partials keep `> name`.
  result = result.replace(/^([#/^&])\s+/, '$1').replace(/^>(?=\S)/, '> ');
  return lead + result + trail;
}

function sameTree(a: string, b: string): boolean {
  try {
    const strip = (_key: string, value: unknown) => (_key === 'loc' ? undefined : value);
    return JSON.stringify(Handlebars.parse(a), strip) === JSON.stringify(Handlebars.parse(b), strip);
  } catch {
    return false;
  }
}
