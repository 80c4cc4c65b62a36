// llama2.c tokenizer (`tok512.bin`, `tokenizer.bin`) → Hugging Face tokenizer.json.
// The file is a SentencePiece BPE vocabulary with byte fallback: int32 max piece length, then per
// token float32 score, int32 byte length, UTF-8 bytes. llama2.c encodes by repeatedly merging the
// adjacent pair whose merged piece has the highest score; an HF BPE model reproduces that when
// its merges are ranked by the merged piece's score (the SentencePiece → HF conversion).
import { ExportError } from './hfConfig';

export interface Llama2cPiece {
  piece: string;
  score: number;
}

/** Ids of the control tokens in every llama2.c (SentencePiece) vocabulary. */
const UNK = 0;
const BOS = 1;
const EOS = 2;
const CONTROL_NAMES = ['<unk>', '<s>', '</s>'];
/** Byte-fallback tokens <0x00>…<0xFF> follow the control tokens. */
const FIRST_BYTE_ID = 3;
const FIRST_NORMAL_ID = FIRST_BYTE_ID + 256;

/** Reads a llama2.c tokenizer file. `expectedVocab` (from the checkpoint header) is checked. */
export function parseLlama2cTokenizer(bytes: Uint8Array, source: string, expectedVocab?: number): Llama2cPiece[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new ExportError(`${source}: truncated llama2.c tokenizer (no header)`);
  const maxLen = view.getInt32(0, true);
  if (maxLen <= 0 || maxLen > 4096) throw new ExportError(`${source}: not a llama2.c tokenizer (max token length ${maxLen})`);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const pieces: Llama2cPiece[] = [];
  let offset = 4;
  while (offset < bytes.byteLength && (expectedVocab === undefined || pieces.length < expectedVocab)) {
    if (offset + 8 > bytes.byteLength) throw new ExportError(`${source}: truncated at token ${pieces.length} (byte ${offset})`);
    const score = view.getFloat32(offset, true);
    const length = view.getInt32(offset + 4, true);
    offset += 8;
    if (length < 0 || length > maxLen || offset + length > bytes.byteLength) {
      throw new ExportError(`${source}: bad length ${length} of token ${pieces.length} (byte ${offset - 4})`);
    }
    let piece: string;
    try {
      piece = decoder.decode(bytes.subarray(offset, offset + length));
    } catch {
      throw new ExportError(`${source}: token ${pieces.length} is not valid UTF-8 (byte ${offset})`);
    }
    pieces.push({ piece, score });
    offset += length;
  }
  if (expectedVocab !== undefined && pieces.length !== expectedVocab) {
    throw new ExportError(`${source}: holds ${pieces.length} tokens, the checkpoint's vocab_size is ${expectedVocab}`);
  }
  checkLayout(pieces, source);
  return pieces;
}

function checkLayout(pieces: Llama2cPiece[], source: string): void {
  if (pieces.length < FIRST_NORMAL_ID) throw new ExportError(`${source}: only ${pieces.length} tokens; a byte-fallback vocabulary needs at least ${FIRST_NORMAL_ID}`);
  for (let b = 0; b < 256; b++) {
    const want = byteTokenName(b);
    if (pieces[FIRST_BYTE_ID + b].piece !== want) {
      throw new ExportError(`${source}: token ${FIRST_BYTE_ID + b} is ${JSON.stringify(pieces[FIRST_BYTE_ID + b].piece)}, expected the byte token ${want}`);
    }
  }
}

function byteTokenName(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** The vocabulary as HF sees it: control tokens by their names (Meta's files wrap them in newlines). */
function hfPieces(pieces: Llama2cPiece[]): string[] {
  return pieces.map((p, id) => (id < FIRST_BYTE_ID ? CONTROL_NAMES[id] : p.piece));
}

/**
 * BPE merges in HF order: for each normal piece by descending score (ties by id), every split into
 * two pieces of the vocabulary, ordered by the ids of (left, right).
 */
export function mergesFromScores(pieces: Llama2cPiece[]): string[] {
  const names = hfPieces(pieces);
  const idOf = new Map(names.map((name, id) => [name, id]));
  const order = [...names.keys()].filter((id) => id >= FIRST_NORMAL_ID).sort((a, b) => pieces[b].score - pieces[a].score || a - b);
  const merges: string[] = [];
  for (const id of order) {
    const chars = Array.from(names[id]);
    const splits: [number, number, string][] = [];
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join('');
      const right = chars.slice(k).join('');
      const l = idOf.get(left);
      const r = idOf.get(right);
      if (l !== undefined && r !== undefined && l >= FIRST_NORMAL_ID && r >= FIRST_NORMAL_ID) splits.push([l, r, `${left} ${right}`]);
    }
    splits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const s of splits) merges.push(s[2]);
  }
  return merges;
}

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** tokenizer.json for a llama2.c vocabulary: Llama (legacy) SentencePiece BPE with byte fallback. */
export function llama2cTokenizerJson(pieces: Llama2cPiece[]): Record<string, unknown> {
  const names = hfPieces(pieces);
  const vocab: Record<string, number> = {};
  names.forEach((name, id) => {
    if (!(name in vocab)) vocab[name] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [UNK, BOS, EOS].map((id) => addedToken(id, CONTROL_NAMES[id])),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'first', split: false },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [BOS], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: mergesFromScores(pieces),
    },
  };
}

/** tokenizer_config.json matching llama2.c's encode (BOS added, no EOS). */
export function llama2cTokenizerConfig(maxLength: number): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  for (const id of [UNK, BOS, EOS]) {
    const { content, lstrip, rstrip, normalized, single_word, special } = addedToken(id, CONTROL_NAMES[id]);
    decoder[String(id)] = { content, lstrip, normalized, rstrip, single_word, special };
  }
  return {
    tokenizer_class: 'LlamaTokenizer',
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: null,
    add_bos_token: true,
    add_eos_token: false,
    legacy: true,
    clean_up_tokenization_spaces: false,
    model_max_length: maxLength,
    spaces_between_special_tokens: false,
    use_default_system_prompt: false,
    added_tokens_decoder: decoder,
  };
}

export const LLAMA2C_SPECIAL_IDS = { unk: UNK, bos: BOS, eos: EOS } as const;
