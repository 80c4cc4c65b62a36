// Which tokens a discrete prompt may use, and how a prompt's ids read as text.
//   all   — every token the tokenizer knows (RLPrompt: the whole vocabulary) …
//   words — only pieces that start a word and are made of letters: no special tokens, no
//           byte-fallback pieces (<0x24>), no word continuations or punctuation. On small models
//           the paper's setting collapses to byte tokens; see README.md for the measurement.
// … except, in both, tokens whose text holds `{`, `}`, `\` or NUL: a prompt is applied inside a
// Handlebars template, where those could open, close or escape a {{…}} expression (or stop the
// template's lexer).
import type { TextTokenizer } from '../../../modelFiles/tokenizer';

export const VOCABULARY_FILTERS = ['all', 'words'] as const;
export type VocabularyFilter = (typeof VOCABULARY_FILTERS)[number];

/** A disallowed token's logit bias: exp underflows to exactly 0 in float32, gradients stay finite. */
export const BLOCKED_LOGIT = -1e4;

const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;
/** SentencePiece ('▁') and byte-level BPE ('Ġ') mark a word start on the piece itself. */
const MARKED_START = /^[▁Ġ]/u;
const LETTERS = /^[\p{L}][\p{L}'’-]*$/u;
const BRACKETED = /^\[.*\]$|^<.*>$/;
const TEMPLATE_SYNTAX = /[{}\\\0]/;

export class PromptVocabulary {
  /** The ids a prompt may use, ascending. */
  readonly allowed: number[];
  /** WordPiece marks continuations ('##ing'); every other piece starts a word. */
  private readonly wordPiece: boolean;

  constructor(
    private readonly tokenizer: TextTokenizer,
    /** The policy head's vocabulary size. */
    readonly vocab: number,
    readonly filter: VocabularyFilter,
  ) {
    const pieces = Array.from({ length: vocab }, (_, id) => tokenizer.idToToken(id));
    this.wordPiece = pieces.some((p) => p?.startsWith('##'));
    const special = new Set([tokenizer.bosId, tokenizer.eosId, tokenizer.padId, tokenizer.unkId, tokenizer.maskId].filter((x) => x !== undefined));
    this.allowed = [];
    for (let id = 0; id < vocab; id++) {
      const piece = pieces[id];
      if (piece === undefined || TEMPLATE_SYNTAX.test(tokenizer.decode([id], { skipSpecialTokens: false }))) continue;
      if (filter === 'words') {
        if (special.has(id) || BYTE_PIECE.test(piece) || BRACKETED.test(piece) || !this.startsWord(piece)) continue;
        if (!LETTERS.test(piece.replace(MARKED_START, ''))) continue;
      }
      this.allowed.push(id);
    }
    if (this.allowed.length === 0) throw new Error(`vocabulary '${filter}': no token of the policy model qualifies`);
  }

  startsWord(piece: string): boolean {
    return this.wordPiece ? !piece.startsWith('##') : MARKED_START.test(piece);
  }

  /** 0 for allowed ids, BLOCKED_LOGIT for the rest: added to the policy's logits. */
  logitBias(): Float32Array {
    const bias = new Float32Array(this.vocab).fill(BLOCKED_LOGIT);
    for (const id of this.allowed) bias[id] = 0;
    return bias;
  }

  /** A prompt as text in its natural form: a leading space when its first piece starts a word (" They were"). */
  text(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    const text = this.tokenizer.decode(ids, { skipSpecialTokens: false });
    return this.startsWord(this.tokenizer.idToToken(ids[0]!) ?? '') && !text.startsWith(' ') ? ` ${text}` : text;
  }

  /** The pieces of a prompt (for tables: `▁They ▁were`). */
  pieces(ids: readonly number[]): string[] {
    return ids.map((id) => this.tokenizer.idToToken(id) ?? `<${id}>`);
  }
}
