// The text of each token as the OpenAI API lists it (` happy`, not `▁happy`): decoded after the
// token before it, so a leading space that the decoder strips from a lone first token is kept.
// Special tokens at the start show as themselves (`<s>`), as vLLM shows them.
import type { TextTokenizer } from '../../../modelFiles/tokenizer';

export class TokenTexts {
  private readonly memo = new Map<string, string>();

  constructor(private readonly tokenizer: TextTokenizer) {}

  /** The text of the first token of a sequence. */
  first(id: number): string {
    const text = this.tokenizer.decode([id], { skipSpecialTokens: true });
    return text === '' ? (this.tokenizer.idToToken(id) ?? '') : text;
  }

  /** The text `id` adds after `previous`. */
  after(previous: number, id: number): string {
    const key = `${previous},${id}`;
    let text = this.memo.get(key);
    if (text === undefined) {
      const before = this.tokenizer.decode([previous], { skipSpecialTokens: true });
      const both = this.tokenizer.decode([previous, id], { skipSpecialTokens: true });
      text = both.startsWith(before) ? both.slice(before.length) : this.tokenizer.decode([id], { skipSpecialTokens: true });
      if (this.memo.size >= 100_000) this.memo.clear();
      this.memo.set(key, text);
    }
    return text;
  }
}
