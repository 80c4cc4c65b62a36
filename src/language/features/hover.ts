// Hover in a .prompt file: what a front-matter key means, a variable's schema type and
// description, a helper's documentation, and anywhere else on the template the token count of
// the rendered prompt for the configured model's tokenizer.
import { type Hover, MarkupKind } from 'vscode-languageserver';
import { isMap, isScalar, type Node } from 'yaml';
import type { PromptAnalysis } from '../analysis/diagnostics';
import type { TokenizerLike } from '../analysis/environmentChecks';
import { CUSTOM_HELPER_DOC, HELPERS } from '../analysis/helperDocs';
import { renderPromptFile } from '../../promptFile/promptFile';
import { CONFIG_SETTINGS, DOTPROMPT_KEYS, PROMPTSMITH_KEYS, PROMPTSMITH_VALUE_KEYS } from '../../promptFile/promptsmithSettings';

/** What token counting needs from the runtime's TextTokenizer. */
export interface CountingTokenizer extends TokenizerLike {
  readonly hasChatTemplate: boolean;
  idToToken?(id: number): string | undefined;
  applyChatTemplate(messages: readonly { role: string; content: string }[], options?: { addGenerationPrompt?: boolean }): string;
}

export interface HoverContext {
  /** The tokenizer of the file's local model, or why there is none. */
  tokenizer: CountingTokenizer | string;
  /** Folder of the file (partials). */
  baseDir?: string;
}

type Span = { start: number; end: number };

/** Hover renders and counts on every mouse rest: bounded, so it answers in well under a second. */
const MAX_HOVER_TEMPLATE = 64 * 1024;
const MAX_HOVER_COUNTED = 256 * 1024;

export async function hoverAt(analysis: PromptAnalysis, offset: number, context: () => HoverContext): Promise<{ hover: Hover; span: Span } | undefined> {
  const { parsed } = analysis;
  const fm = parsed.frontMatter;
  if (fm && offset >= fm.start && offset <= fm.end) {
    const key = frontMatterKeyAt(analysis, offset - fm.start);
    if (!key) return undefined;
    const span = { start: fm.start + key.range[0], end: fm.start + key.range[1] };
    const verbalizer = key.path[0] === 'promptsmith.task' && key.path[1] === 'labels' && key.path.length === 3 ? parsed.task?.labels?.[key.path[2]!] : undefined;
    if (verbalizer !== undefined) return { hover: markdown(verbalizerText(key.path[2]!, verbalizer, context().tokenizer)), span };
    if (key.isValue) return undefined;
    const doc = keyDoc(key.path);
    if (!doc) return undefined;
    return { hover: markdown(`**${key.path.join('.')}** — ${doc}`), span };
  }
  if (offset < parsed.templateOffset) return undefined;
  const rel = offset - parsed.templateOffset;
  const inside = (s: Span) => rel >= s.start && rel <= s.end;
  const shift = (s: Span) => ({ start: s.start + parsed.templateOffset, end: s.end + parsed.templateOffset });
  const variable = analysis.template.variables.find(inside);
  if (variable) {
    const field = analysis.inputSchema.fields.find((f) => f.name === variable.name);
    const fallback = parsed.input.default && variable.name in parsed.input.default ? `default: \`${JSON.stringify(parsed.input.default[variable.name])}\`` : 'not declared in `input.schema`';
    const text = field
      ? `**${field.name}**: \`${field.type}\`${field.optional ? ' (optional)' : ''}${field.description ? ` — ${field.description}` : ''}`
      : `**${variable.name}** — ${fallback}`;
    return { hover: markdown(text), span: shift(variable) };
  }
  const itemRef = analysis.template.itemVariables.find(inside);
  const itemField = itemRef && analysis.inputSchema.fields.find((f) => f.name === itemRef.list)?.fields?.find((f) => f.name === itemRef.name);
  if (itemRef && itemField) {
    const text = `**${itemRef.list}[].${itemField.name}**: \`${itemField.type}\`${itemField.optional ? ' (optional)' : ''}${itemField.description ? ` — ${itemField.description}` : ''}`;
    return { hover: markdown(text), span: shift(itemRef) };
  }
  const helper = analysis.template.helpers.find(inside);
  if (helper) {
    const doc = HELPERS[helper.name];
    const text = doc ? `\`${doc.signature}\`\n\n${doc.description}` : `**${helper.name}**: ${CUSTOM_HELPER_DOC}`;
    return { hover: markdown(text), span: shift(helper) };
  }
  return { hover: markdown(await tokenCountText(analysis, context())), span: { start: parsed.templateOffset, end: parsed.templateOffset + parsed.template.length } };
}

function markdown(value: string): Hover {
  return { contents: { kind: MarkupKind.Markdown, value } };
}

/** The rendered prompt's token count, with default inputs (missing ones render empty). */
export async function tokenCountText(analysis: PromptAnalysis, context: HoverContext): Promise<string> {
  const { parsed } = analysis;
  if (typeof context.tokenizer === 'string') return `Token count: ${context.tokenizer}`;
  if (!analysis.template.parsed) return 'Token count: not computed (the template has syntax errors or is too large to render on hover)';
  if (parsed.template.length > MAX_HOVER_TEMPLATE) return `Token count: not computed on hover for templates over ${MAX_HOVER_TEMPLATE / 1024} KB (\`promptsmith run\` renders it)`;
  const defaults = parsed.input.default ?? {};
  const missing = analysis.inputSchema.fields.filter((f) => !(f.name in defaults)).map((f) => f.name);
  let rendered: Awaited<ReturnType<typeof renderPromptFile>>;
  try {
    rendered = await renderPromptFile(parsed, defaults, { baseDir: context.baseDir, softPromptSlots: 'empty' });
  } catch (err) {
    return `Token count unavailable: ${(err as Error).message}`;
  }
  const tokenizer = context.tokenizer;
  let count: number;
  let how: string;
  try {
    let text: string;
    if (tokenizer.hasChatTemplate) {
      const messages = rendered.messages.map((m) => ({
        role: m.role === 'model' ? 'assistant' : m.role,
        content: m.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join(''),
      }));
      text = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
      how = "with the model's chat template";
    } else {
      text = rendered.text;
      how = 'as plain text (base model)';
    }
    // Encoding time grows with the text (and worse with some tokenizers): hover counts bounded texts.
    if (text.length > MAX_HOVER_COUNTED) return `Token count: not computed on hover for a rendered prompt over ${MAX_HOVER_COUNTED / 1024} KB`;
    count = tokenizer.encode(text, { addSpecialTokens: !tokenizer.hasChatTemplate }).length;
  } catch (err) {
    return `Token count unavailable: ${(err as Error).message}`;
  }
  const note = missing.length > 0 ? ` Variables without a default render empty: ${missing.map((m) => `\`${m}\``).join(', ')}.` : '';
  const model = parsed.model ? `\`${parsed.model}\`` : 'the default model (`promptsmith.model`)';
  return `**${count} tokens** for ${model}, ${how}, rendered with the default inputs.${note}`;
}

function keyDoc(path: readonly string[]): string | undefined {
  const [top, second] = path;
  if (!top) return undefined;
  if (path.length === 1) return DOTPROMPT_KEYS[top] ?? PROMPTSMITH_KEYS[top]?.description ?? PROMPTSMITH_VALUE_KEYS[top]?.description;
  if (path.length === 2 && top === 'config') return CONFIG_SETTINGS[second!]?.description;
  if (path.length === 2 && PROMPTSMITH_KEYS[top]) {
    const spec = PROMPTSMITH_KEYS[top].settings[second!];
    return spec && `${spec.description}${spec.default !== undefined ? ` Default: \`${JSON.stringify(spec.default)}\`.` : ''}`;
  }
  if (path.length === 3 && top === 'promptsmith.task' && second === 'labels') return `label '${path[2]}': the value is its verbalizer, the continuation whose log-probability scores it.`;
  return undefined;
}

/** How a label's verbalizer tokenizes: the class score sums the log-probabilities of these tokens. */
function verbalizerText(label: string, verbalizer: string, tokenizer: CountingTokenizer | string): string {
  const head = `**${label}** → verbalizer \`${JSON.stringify(verbalizer)}\``;
  if (typeof tokenizer === 'string') return `${head}\n\nTokens: ${tokenizer}`;
  const ids = tokenizer.encode(verbalizer, { addSpecialTokens: false });
  const pieces = ids.map((id) => `\`${tokenizer.idToToken?.(id) ?? id}\` (${id})`).join(' ');
  return `${head}: ${ids.length} token${ids.length === 1 ? '' : 's'} ${pieces}. The label's score is the summed log-probability of ${ids.length === 1 ? 'this token' : 'these tokens'}.`;
}

/** The key (or scalar value) under the cursor (offset relative to the front matter) and its path. */
function frontMatterKeyAt(analysis: PromptAnalysis, offset: number): { path: string[]; range: [number, number]; isValue: boolean } | undefined {
  const walk = (node: unknown, path: string[]): { path: string[]; range: [number, number]; isValue: boolean } | undefined => {
    if (!isMap(node)) return undefined;
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const keyPath = [...path, String(pair.key.value)];
      const r = pair.key.range;
      if (r && offset >= r[0] && offset <= r[1]) return { path: keyPath, range: [r[0], r[1]], isValue: false };
      const v = (pair.value as Node | null)?.range;
      if (v && offset >= v[0] && offset <= v[2]) {
        return isScalar(pair.value) ? { path: keyPath, range: [v[0], v[1]], isValue: true } : walk(pair.value, keyPath);
      }
    }
    return undefined;
  };
  return walk(analysis.parsed.yaml?.contents, []);
}
