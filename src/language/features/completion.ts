// Completion in a .prompt file: front-matter keys (top level, `config.*`, `promptsmith.*`, input
// and output), enum values, and inside `{{ }}` the schema's variables, helpers, partials and
// the name of the block to close.
import { type CompletionItem, CompletionItemKind, InsertTextFormat, MarkupKind } from 'vscode-languageserver';
import type { PromptAnalysis } from '../analysis/diagnostics';
import { HELPERS_KEY } from '../../promptFile/declaredHelpers';
import { CUSTOM_HELPER_DOC, DATA_VARIABLES, HELPERS, HELPERS_KEY_DOC } from '../analysis/helperDocs';
import { OUTPUT_FORMATS } from '../analysis/outputChecks';
import { CONFIG_SETTINGS, DOTPROMPT_KEYS, PROMPTSMITH_KEYS, PROMPTSMITH_VALUE_KEYS, type SettingsTable } from '../../promptFile/promptsmithSettings';
import type { SchemaField } from '../../promptFile/schemaAnalysis';

const NESTED_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  input: { schema: 'Input variables: Picoschema (`name: string, description`) or JSON Schema.', default: 'Default values of the input variables.' },
  output: { format: 'Output format: text or json.', schema: 'Output structure: Picoschema or JSON Schema.' },
};

export function completionsAt(analysis: PromptAnalysis, offset: number, partials: readonly string[]): CompletionItem[] {
  const { parsed } = analysis;
  const fm = parsed.frontMatter;
  if (fm && offset >= fm.start && offset <= fm.end) return frontMatterCompletions(parsed.source, offset);
  if (offset >= parsed.templateOffset || !fm) return templateCompletions(analysis, offset, partials);
  return [];
}

// ---- Front matter ----------------------------------------------------------------------------

function frontMatterCompletions(source: string, offset: number): CompletionItem[] {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  const before = source.slice(lineStart, offset);
  // Inside a flow map on this line: `promptsmith.rl: { promptLength: 5, |`
  const flow = /^\s*([\w.]+):\s*\{([^}]*)$/.exec(before);
  if (flow) {
    const inFlow = flow[2]!;
    const keyBeforeCursor = /([\w]+):\s*([\w-]*)$/.exec(inFlow);
    if (keyBeforeCursor && !/,\s*[\w]*$/.test(inFlow)) return valueCompletions(flow[1]!, keyBeforeCursor[1]!);
    return keyCompletions(flow[1]!);
  }
  const keyValue = /^(\s*)([\w.?()*]+):\s+([\w-]*)$/.exec(before);
  if (keyValue) return valueCompletions(parentKey(source, lineStart, keyValue[1]!.length), keyValue[2]!);
  const keyOnly = /^(\s*)[\w.]*$/.exec(before);
  if (!keyOnly) return [];
  const indent = keyOnly[1]!.length;
  if (indent === 0) return topLevelKeys();
  return keyCompletions(parentKey(source, lineStart, indent));
}

/** The key of the nearest line above with less indentation ('' at the top level). */
function parentKey(source: string, lineStart: number, indent: number): string {
  let end = lineStart - 1;
  const path: string[] = [];
  let need = indent;
  while (end > 0 && need > 0) {
    const start = source.lastIndexOf('\n', end - 1) + 1;
    const line = source.slice(start, end);
    const m = /^(\s*)([^\s:#][^:]*):/.exec(line);
    if (m && m[1]!.length < need && line.trim() !== '---') {
      path.unshift(m[2]!.trim());
      need = m[1]!.length;
    }
    if (line.trim() === '---') break;
    end = start - 1;
  }
  return path.join('/');
}

function topLevelKeys(): CompletionItem[] {
  const items: CompletionItem[] = Object.entries(DOTPROMPT_KEYS).map(([key, doc]) => ({
    label: key,
    kind: CompletionItemKind.Property,
    documentation: { kind: MarkupKind.Markdown, value: doc },
    insertText: `${key}: `,
  }));
  for (const [key, { description }] of Object.entries(PROMPTSMITH_KEYS)) {
    items.push({ label: key, kind: CompletionItemKind.Module, documentation: { kind: MarkupKind.Markdown, value: description }, insertText: `${key}:\n  ` });
  }
  for (const [key, { description }] of Object.entries(PROMPTSMITH_VALUE_KEYS)) {
    items.push({ label: key, kind: CompletionItemKind.Property, documentation: { kind: MarkupKind.Markdown, value: description }, insertText: `${key}: ` });
  }
  items.push({ label: HELPERS_KEY, kind: CompletionItemKind.Module, documentation: { kind: MarkupKind.Markdown, value: HELPERS_KEY_DOC }, insertText: `${HELPERS_KEY}: [` });
  return items;
}

function tableFor(parent: string): SettingsTable | undefined {
  if (parent === 'config') return CONFIG_SETTINGS;
  return PROMPTSMITH_KEYS[parent]?.settings;
}

function keyCompletions(parent: string): CompletionItem[] {
  const nested = NESTED_KEYS[parent];
  if (nested) return Object.entries(nested).map(([key, doc]) => ({ label: key, kind: CompletionItemKind.Property, documentation: doc, insertText: `${key}: ` }));
  const table = tableFor(parent);
  if (!table) return [];
  return Object.entries(table).map(([key, spec]) => ({
    label: key,
    kind: CompletionItemKind.Property,
    detail: spec.default !== undefined ? `${spec.type} (default ${JSON.stringify(spec.default)})` : spec.type,
    documentation: { kind: MarkupKind.Markdown, value: spec.description },
    insertText: `${key}: `,
  }));
}

function valueCompletions(parent: string, key: string): CompletionItem[] {
  if (parent === 'output' && key === 'format') return Object.entries(OUTPUT_FORMATS).map(([v, doc]) => ({ label: v, kind: CompletionItemKind.EnumMember, documentation: doc }));
  const spec = tableFor(parent)?.[key];
  if (!spec) return [];
  if (spec.enum) return spec.enum.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
  if (spec.type === 'boolean') return ['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Value }));
  return [];
}

// ---- Template ----------------------------------------------------------------------------------

function templateCompletions(analysis: PromptAnalysis, offset: number, partials: readonly string[]): CompletionItem[] {
  const { source } = analysis.parsed;
  const open = source.lastIndexOf('{{', offset);
  if (open === -1 || open < analysis.parsed.templateOffset) return [];
  const close = source.lastIndexOf('}}', offset - 1);
  if (close > open) return [];
  const inside = source.slice(open + 2, offset).replace(/^[{~]/, '');
  if (/^\s*!/.test(inside)) return [];
  if (/^\s*>\s*[\w.-]*$/.test(inside)) return partials.map((p) => ({ label: p, kind: CompletionItemKind.File, detail: `_${p}.prompt` }));
  if (/^\s*\/\s*\w*$/.test(inside)) return closeCompletions(analysis, open);
  if (/^\s*#\s*\w*$/.test(inside)) return helperCompletions(true, analysis.customHelpers);
  if (/^\s*@[\w]*$/.test(inside)) return Object.entries(DATA_VARIABLES).map(([name, doc]) => ({ label: name, kind: CompletionItemKind.Variable, documentation: doc }));
  const item = eachItemFields(analysis, open);
  const variables = item ? item.map((f) => fieldItem(f)) : variableCompletions(analysis);
  return [...variables, ...(/^\s*[\w]*$/.test(inside) ? helperCompletions(false, analysis.customHelpers) : [])];
}

function fieldItem(field: SchemaField): CompletionItem {
  return {
    label: field.name,
    kind: CompletionItemKind.Variable,
    detail: `${field.type}${field.optional ? ' (optional)' : ''}`,
    documentation: field.description,
    sortText: `0${field.name}`,
  };
}

/** Inside `{{#each list}}…` (innermost open block), the fields of the list's items, when the schema gives them. */
function eachItemFields(analysis: PromptAnalysis, tagStart: number): SchemaField[] | undefined {
  const relative = tagStart - analysis.parsed.templateOffset;
  const stack: { name?: string; start: number; end: number }[] = [];
  for (const tag of analysis.template.tags) {
    if (tag.start >= relative) break;
    if (tag.kind === 'open') stack.push(tag);
    else if (tag.kind === 'close') {
      let i = stack.length - 1;
      while (i >= 0 && stack[i]!.name !== tag.name) i--;
      if (i !== -1) stack.length = i;
    }
  }
  const block = stack.filter((t) => t.name === 'each' || t.name === 'with').at(-1);
  if (!block) return undefined;
  const text = analysis.parsed.template.slice(block.start, block.end);
  const list = /^\{\{~?[#]\s*(?:each|with)\s+(?:@root\.)?([\w$-]+)\s*~?\}\}$/.exec(text)?.[1];
  const field = list ? analysis.inputSchema.fields.find((f) => f.name === list) : undefined;
  return field?.fields;
}

function variableCompletions(analysis: PromptAnalysis): CompletionItem[] {
  const seen = new Set<string>();
  const items: CompletionItem[] = [];
  for (const field of analysis.inputSchema.fields) {
    seen.add(field.name);
    items.push(fieldItem(field));
  }
  for (const name of Object.keys(analysis.parsed.input.default ?? {})) {
    if (!seen.has(name)) items.push({ label: name, kind: CompletionItemKind.Variable, detail: 'default value', sortText: `0${name}` });
  }
  return items;
}

function helperCompletions(blocksOnly: boolean, customHelpers: readonly string[]): CompletionItem[] {
  const known = Object.entries(HELPERS)
    .filter(([, doc]) => !blocksOnly || doc.block)
    .map(([name, doc]) => ({
      label: name,
      kind: CompletionItemKind.Function,
      detail: doc.signature,
      documentation: { kind: MarkupKind.Markdown, value: doc.description },
      sortText: `1${name}`,
      insertTextFormat: InsertTextFormat.PlainText,
    }));
  // The application's helpers: whether they take a block is not known, so they are offered in both places.
  const custom = customHelpers
    .filter((name) => !(name in HELPERS))
    .map((name) => ({ label: name, kind: CompletionItemKind.Function, detail: 'application helper', documentation: CUSTOM_HELPER_DOC, sortText: `1${name}` }));
  return [...known, ...custom];
}

/** `{{/` offers the innermost block still open before the cursor. */
function closeCompletions(analysis: PromptAnalysis, tagStart: number): CompletionItem[] {
  const relative = tagStart - analysis.parsed.templateOffset;
  const stack: string[] = [];
  for (const tag of analysis.template.tags) {
    if (tag.start >= relative) break;
    if (tag.kind === 'open' && tag.name) stack.push(tag.name);
    else if (tag.kind === 'close') {
      const at = stack.lastIndexOf(tag.name ?? '');
      if (at !== -1) stack.length = at;
    }
  }
  const name = stack.at(-1);
  return name ? [{ label: name, kind: CompletionItemKind.Keyword, detail: `closes {{#${name}}}` }] : [];
}
