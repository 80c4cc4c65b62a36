// Source offsets → LSP ranges.
import type { Range } from 'vscode-languageserver';
import { LineIndex } from '../analysis/lineIndex';

export function rangeOf(index: LineIndex, start: number, end: number): Range {
  return { start: index.positionAt(start), end: index.positionAt(end) };
}

export { LineIndex };
