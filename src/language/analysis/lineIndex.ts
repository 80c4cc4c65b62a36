// Offset ⇄ (line, character) for a text, in UTF-16 code units as LSP counts them.

export interface Position {
  /** 0-based */
  line: number;
  /** 0-based, UTF-16 code units */
  character: number;
}

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo]! };
  }

  offsetAt(position: Position): number {
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.lineStart(position.line);
    let end = position.line + 1 < this.starts.length ? this.starts[position.line + 1]! - 1 : this.text.length;
    if (end > start && this.text[end - 1] === '\r') end--;
    return Math.min(start + Math.max(0, position.character), end);
  }
}
