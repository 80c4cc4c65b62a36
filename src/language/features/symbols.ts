// Document outline: the front matter (with its top-level keys), and the template with its role
// messages, sections and partials.
import { type DocumentSymbol, SymbolKind } from 'vscode-languageserver';
import { isMap, isScalar, type Node } from 'yaml';
import type { PromptAnalysis } from '../analysis/diagnostics';
import { LineIndex, rangeOf } from './ranges';

export function documentSymbols(analysis: PromptAnalysis, index = new LineIndex(analysis.parsed.source)): DocumentSymbol[] {
  const { parsed, template } = analysis;
  const symbols: DocumentSymbol[] = [];
  const fm = parsed.frontMatter;
  if (fm) {
    const children: DocumentSymbol[] = [];
    const contents = parsed.yaml?.contents;
    if (isMap(contents)) {
      for (const pair of contents.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key) || !key.range) continue;
        const valueEnd = (pair.value as Node | null)?.range?.[1] ?? key.range[1];
        const range = rangeOf(index, fm.start + key.range[0], fm.start + Math.max(valueEnd, key.range[1]));
        children.push({ name: String(key.value), kind: String(key.value).startsWith('promptsmith.') ? SymbolKind.Module : SymbolKind.Property, range, selectionRange: rangeOf(index, fm.start + key.range[0], fm.start + key.range[1]) });
      }
    }
    const range = rangeOf(index, fm.start, fm.end);
    symbols.push({ name: 'front matter', detail: parsed.model ?? '', kind: SymbolKind.Namespace, range, selectionRange: range, children });
  }
  const base = parsed.templateOffset;
  const templateEnd = base + parsed.template.length;
  const children: DocumentSymbol[] = [];
  const roles = [...template.roles].sort((a, b) => a.start - b.start);
  roles.forEach((role, i) => {
    const end = i + 1 < roles.length ? roles[i + 1]!.start : parsed.template.length;
    children.push({
      name: role.name === 'history' ? 'history' : `${role.name} message`,
      kind: role.name === 'history' ? SymbolKind.Array : SymbolKind.String,
      range: rangeOf(index, base + role.start, base + Math.max(end, role.end)),
      selectionRange: rangeOf(index, base + role.start, base + role.end),
    });
  });
  for (const section of template.sections) {
    children.push({ name: `section ${section.name}`, kind: SymbolKind.Field, range: rangeOf(index, base + section.start, base + section.end), selectionRange: rangeOf(index, base + section.start, base + section.end) });
  }
  for (const partial of template.partials) {
    children.push({ name: `> ${partial.name}`, kind: SymbolKind.File, range: rangeOf(index, base + partial.start, base + partial.end), selectionRange: rangeOf(index, base + partial.start, base + partial.end) });
  }
  const range = rangeOf(index, base, Math.max(templateEnd, base));
  symbols.push({ name: 'template', kind: SymbolKind.Function, range, selectionRange: rangeOf(index, base, base), children });
  return symbols;
}
