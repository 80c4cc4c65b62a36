// Small, deterministic tokenizers for the tiny random test models, learned from a fixed text:
// GPT-2 style byte-level BPE, Llama style SentencePiece BPE with byte fallback, and BERT
// WordPiece. Real tokenizer.json files that @huggingface/tokenizers and transformers.js load.
import { type Llama2cPiece, llama2cTokenizerConfig, llama2cTokenizerJson } from './llama2cTokenizer';

export interface TokenizerFiles {
  tokenizer: Record<string, unknown>;
  config: Record<string, unknown>;
  vocabSize: number;
}

/** Training text: enough English for common merges; the models are random anyway. */
const CORPUS = `Once upon a time, there was a little girl named Lily. She liked to play in the park with her dog.
One day, the sun was hot and the sky was blue. Lily and her mom went to the store to buy some apples.
The cat said, "Let's go home!" They were happy and sad at the same time. It was a good day.
The movie was great and the food was bad. I love this film; it is the best thing I have seen.
He saw a big red ball under the tree and ran to get it. They played together until the end of the day.`;

/** Greedy BPE training: repeatedly merge the most frequent adjacent pair (ties: first in sorted order). */
function learnMerges(words: string[][], count: number): [string, string][] {
  const merges: [string, string][] = [];
  let seqs = words.map((w) => [...w]);
  for (let m = 0; m < count; m++) {
    const freq = new Map<string, number>();
    for (const s of seqs) for (let i = 0; i + 1 < s.length; i++) freq.set(`${s[i]}\u0000${s[i + 1]}`, (freq.get(`${s[i]}\u0000${s[i + 1]}`) ?? 0) + 1);
    let best = '';
    let bestCount = 0;
    for (const [pair, n] of [...freq].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (n > bestCount) [best, bestCount] = [pair, n];
    }
    if (bestCount === 0) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    seqs = seqs.map((s) => {
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(s[i]);
      }
      return out;
    });
  }
  return merges;
}

/** GPT-2's reversible byte → printable character table. */
function bytesToUnicode(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const table: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : 256 + extra++);
  return table;
}

const GPT2_SPLIT = / ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu;

/** GPT-2 style byte-level BPE: 256 byte symbols, learned merges, `<|endoftext|>` last. */
export function tinyGpt2Tokenizer(vocabSize: number): TokenizerFiles {
  const byteChar = bytesToUnicode();
  const encoder = new TextEncoder();
  const words = (CORPUS.match(GPT2_SPLIT) ?? []).map((w) => Array.from(encoder.encode(w), (b) => byteChar[b]));
  const merges = learnMerges(words, vocabSize - 257);
  const vocab: Record<string, number> = {};
  byteChar.forEach((c, i) => {
    vocab[c] = i;
  });
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  const eot = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eot;
  const special = { id: eot, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const config = {
    tokenizer_class: 'GPT2Tokenizer',
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    add_prefix_space: false,
    model_max_length: 1024,
    clean_up_tokenization_spaces: false,
  };
  return { tokenizer, config, vocabSize: eot + 1 };
}

/**
 * Llama style SentencePiece BPE with byte fallback, built through the llama2.c converter.
 * `padTo`: a larger vocabulary (a real model's shape), filled with pieces no merge reaches.
 */
export function tinyLlamaTokenizer(vocabSize: number, padTo = vocabSize): TokenizerFiles {
  const text = `▁${CORPUS.replace(/\s+/g, ' ').replaceAll(' ', '▁')}`;
  const words = (text.match(/▁[^▁]*/g) ?? []).map((w) => Array.from(w));
  const chars = [...new Set(Array.from(text))].sort();
  const nonByte = vocabSize - 3 - 256;
  const merges = learnMerges(words, nonByte - chars.length);
  // SentencePiece scores: merged pieces by merge order, then the single characters.
  const pieces: Llama2cPiece[] = [
    ...['<unk>', '<s>', '</s>'].map((piece) => ({ piece, score: 0 })),
    ...Array.from({ length: 256 }, (_, b) => ({ piece: `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, score: 0 })),
    ...merges.map(([a, b], i) => ({ piece: a + b, score: -i })),
    ...chars.map((c, i) => ({ piece: c, score: -merges.length - i })),
  ];
  for (let i = 0; pieces.length < padTo; i++) pieces.push({ piece: `<extra_${i}>`, score: -1e9 });
  return { tokenizer: llama2cTokenizerJson(pieces), config: llama2cTokenizerConfig(2048), vocabSize: pieces.length };
}

const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/** BERT WordPiece (lowercased): specials, characters, ##characters, then the corpus' frequent words. */
export function tinyBertTokenizer(vocabSize: number): TokenizerFiles {
  const lower = CORPUS.toLowerCase();
  // Every printable ASCII character, so no ASCII text maps to [UNK].
  const chars = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter((c) => !/[A-Z]/.test(c));
  const words = lower.match(/\p{L}+/gu) ?? [];
  const freq = new Map<string, number>();
  for (const w of words) if (w.length > 1) freq.set(w, (freq.get(w) ?? 0) + 1);
  const pieces = [...BERT_SPECIALS, ...chars, ...chars.filter((c) => /[a-z0-9]/.test(c)).map((c) => `##${c}`)];
  const ranked = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  pieces.push(...ranked.slice(0, Math.max(0, vocabSize - pieces.length)));
  const vocab: Record<string, number> = {};
  pieces.forEach((p, i) => {
    vocab[p] = i;
  });
  const added = BERT_SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const config = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    model_max_length: 512,
    clean_up_tokenization_spaces: true,
  };
  return { tokenizer, config, vocabSize: pieces.length };
}
