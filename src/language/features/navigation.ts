// Navigation: a variable goes to its `input.schema` key; `{{> name}}` and dataset paths are links
// to their files.
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentLink, Range } from 'vscode-languageserver';
import type { PromptAnalysis } from '../analysis/diagnostics';
import { spanOf } from '../../promptFile/promptFile';
import { type LineIndex, rangeOf } from './ranges';

/** The schema key a template variable at `offset` is declared by, as a range in the same file. */
export function variableDefinition(analysis: PromptAnalysis, offset: number, index: LineIndex): Range | undefined {
  const { parsed } = analysis;
  const rel = offset - parsed.templateOffset;
  const ref = analysis.template.variables.find((v) => rel >= v.start && rel <= v.end);
  if (!ref) return undefined;
  const span = analysis.inputSchema.fields.find((f) => f.name === ref.name)?.keySpan ?? spanOf(parsed, ['input', 'default', ref.name], 'key');
  return span && rangeOf(index, span.start, span.end);
}

export function documentLinks(analysis: PromptAnalysis, filePath: string | undefined, exists: (path: string) => boolean, index: LineIndex): DocumentLink[] {
  if (!filePath) return [];
  const { parsed } = analysis;
  const dir = resolve(filePath, '..');
  const links: DocumentLink[] = [];
  for (const partial of analysis.template.partials) {
    const target = join(dir, `_${partial.name}.prompt`);
    if (!exists(target)) continue;
    const start = parsed.templateOffset + partial.start;
    links.push({ range: rangeOf(index, start, parsed.templateOffset + partial.end), target: pathToFileURL(target).href, tooltip: `_${partial.name}.prompt` });
  }
  for (const which of ['train', 'dev'] as const) {
    const file = parsed.task?.[which];
    const span = spanOf(parsed, ['promptsmith.task', which], 'value');
    if (!file || !span) continue;
    const target = isAbsolute(file) ? file : join(dir, file);
    if (exists(target)) links.push({ range: rangeOf(index, span.start, span.end), target: pathToFileURL(target).href });
  }
  return links;
}
