// The vocabulary filter of discrete prompts and how prompt ids read as text, on the real
// stories260k tokenizer (SentencePiece with byte fallback) and tiny GPT-2 (byte-level BPE) and
// BERT (WordPiece) tokenizers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { BLOCKED_LOGIT, PromptVocabulary } from '../../../src/engine/tuning/rlprompt/vocabulary';
import { STORIES_ABSENT, storiesHfDir, tinyModelDir } from '../helpers/fixtures';

const dir = storiesHfDir();

test('words keeps only word-start letter pieces: no specials, byte-fallback, continuations or punctuation', { skip: dir ? false : STORIES_ABSENT }, () => {
  const tok = loadTokenizer(dir!);
  const words = new PromptVocabulary(tok, 512, 'words');
  const pieces = words.allowed.map((id) => tok.idToToken(id)!);
  assert.equal(words.allowed.length, 89);
  for (const p of pieces) assert.match(p, /^▁[A-Za-z']+$/);
  assert.ok(pieces.includes('▁They'));
  // `all` is the whole vocabulary but for the pieces that spell `{`, `}`, `\` (a byte piece and a
  // plain one) and NUL.
  const all = new PromptVocabulary(tok, 512, 'all');
  assert.equal(all.allowed.length, 507);
  for (const piece of ['<0x7B>', '<0x7D>', '<0x5C>', '\\', '<0x00>']) assert.ok(!all.allowed.includes(tok.tokenToId(piece)!), piece);
  const bias = words.logitBias();
  assert.equal(bias[tok.tokenToId('▁They')!], 0);
  assert.equal(bias[1], BLOCKED_LOGIT);
  assert.equal(bias[tok.tokenToId('<0x24>')!], BLOCKED_LOGIT);
});

test('a prompt reads as its natural text, with the leading space of its first word', { skip: dir ? false : STORIES_ABSENT }, () => {
  const tok = loadTokenizer(dir!);
  const v = new PromptVocabulary(tok, 512, 'all');
  assert.equal(v.text(tok.encode(' They were', { addSpecialTokens: false })), ' They were');
  assert.equal(v.text([tok.tokenToId('ing')!, tok.tokenToId('▁big')!]), 'ing big');
  assert.deepEqual(v.pieces([tok.tokenToId('▁big')!]), ['▁big']);
  assert.equal(v.text([0x24 + 3, 0x24 + 3]), '$$');
});

test("GPT-2's byte-level and BERT's WordPiece vocabularies mark word starts their own way", () => {
  const gpt2 = loadTokenizer(tinyModelDir('gpt2'));
  const g = new PromptVocabulary(gpt2, gpt2.vocabSize, 'words');
  for (const id of g.allowed) assert.match(gpt2.idToToken(id)!, /^Ġ\p{L}/u);
  const bert = loadTokenizer(tinyModelDir('bert'));
  const b = new PromptVocabulary(bert, bert.vocabSize, 'words');
  assert.ok(b.allowed.length > 0);
  for (const id of b.allowed) assert.doesNotMatch(bert.idToToken(id)!, /^##|^\[/);
});
