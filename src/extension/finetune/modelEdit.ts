// Where "Use this model" writes: the `model:` value in a .prompt file's front matter (replaced),
// or a new `model:` line right after the opening `---`. Pure text positions, tested without vscode.
import { parsePromptFile, spanOf } from '../../promptFile/promptFile';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The edit that makes the file's `model:` point at `model` (a path written as given). */
export function modelEdit(source: string, model: string): TextEdit {
  const parsed = parsePromptFile(source);
  const value = JSON.stringify(model);
  const span = spanOf(parsed, ['model'], 'value');
  if (span) return { start: span.start, end: span.end, text: value };
  if (parsed.frontMatter) return { start: parsed.frontMatter.start, end: parsed.frontMatter.start, text: `model: ${value}\n` };
  return { start: parsed.header?.end ?? 0, end: parsed.header?.end ?? 0, text: `---\nmodel: ${value}\n---\n` };
}
