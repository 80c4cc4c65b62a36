// Folding ranges: the license header, the front matter, multi-line blocks and comments, and role
// messages. (Marker-based folding cannot tell the opening `---` from the closing one.)
import { type FoldingRange, FoldingRangeKind } from 'vscode-languageserver';
import type { PromptAnalysis } from '../analysis/diagnostics';
import type { LineIndex } from '../analysis/lineIndex';

export function foldingRanges(analysis: PromptAnalysis, index: LineIndex): FoldingRange[] {
  const { parsed, template } = analysis;
  const ranges: FoldingRange[] = [];
  const add = (startOffset: number, endOffset: number, kind?: string) => {
    const startLine = index.positionAt(startOffset).line;
    const endLine = index.positionAt(endOffset).line;
    if (endLine > startLine) ranges.push(kind ? { startLine, endLine, kind } : { startLine, endLine });
  };
  if (parsed.header) add(parsed.header.start, Math.max(parsed.header.start, parsed.header.end - 1), FoldingRangeKind.Comment);
  if (parsed.frontMatter) {
    // From the opening fence to the closing fence (the lines around the YAML).
    const startLine = Math.max(0, index.positionAt(parsed.frontMatter.start).line - 1);
    const endLine = index.positionAt(parsed.frontMatter.end).line + 1;
    ranges.push({ startLine, endLine, kind: FoldingRangeKind.Region });
  }
  const base = parsed.templateOffset;
  const open: { name?: string; start: number }[] = [];
  for (const tag of template.tags) {
    if (tag.kind === 'comment') add(base + tag.start, base + tag.end, FoldingRangeKind.Comment);
    else if (tag.kind === 'open') open.push({ name: tag.name, start: tag.start });
    else if (tag.kind === 'close') {
      let i = open.length - 1;
      while (i >= 0 && open[i]!.name !== tag.name) i--;
      if (i === -1) continue;
      const block = open[i]!;
      open.length = i;
      // Fold up to the line before the closing tag, so `{{/if}}` stays visible.
      add(base + block.start, Math.max(base + block.start, base + tag.start - 1));
    }
  }
  const roles = [...template.roles].sort((a, b) => a.start - b.start);
  roles.forEach((role, i) => {
    const end = i + 1 < roles.length ? roles[i + 1]!.start - 1 : parsed.template.length;
    add(base + role.start, base + Math.max(role.start, end));
  });
  return ranges;
}
