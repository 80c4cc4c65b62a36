// Server-sent events as OpenAI streams them: `data: <json>` lines, events separated by a blank
// line, the stream ended by `data: [DONE]`. Only data fields matter here; comments (`: ping`) and
// other fields are skipped.

/** Splits text arriving in chunks into the data of each complete event. */
export class SseDecoder {
  private buffer = '';

  /** Feeds a chunk; returns the data of the events it completed. */
  push(chunk: string): string[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const events: string[] = [];
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const data = dataOf(this.buffer.slice(0, end));
      if (data !== undefined) events.push(data);
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf('\n\n');
    }
    return events;
  }

  /** The last event, when the stream ends without a blank line after it. */
  flush(): string[] {
    const data = dataOf(this.buffer);
    this.buffer = '';
    return data === undefined ? [] : [data];
  }
}

function dataOf(event: string): string | undefined {
  const lines = event.split('\n').filter((l) => l.startsWith('data:'));
  if (lines.length === 0) return undefined;
  return lines.map((l) => l.slice(l.startsWith('data: ') ? 6 : 5)).join('\n');
}

/** One event as the server writes it. */
export function sseEvent(data: string): string {
  return `data: ${data}\n\n`;
}
