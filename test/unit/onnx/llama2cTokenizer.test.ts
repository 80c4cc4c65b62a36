import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Tokenizer } from '@huggingface/tokenizers';
import { llama2cTokenizerConfig, llama2cTokenizerJson, parseLlama2cTokenizer } from '../../../src/engine/onnx/export/llama2cTokenizer';

const models = path.resolve(process.cwd(), '../shared/models');
const tokBin = path.join(models, 'stories260k-llama2c/tok512.bin');
const hfDir = path.join(models, 'stories260k-hf');
const skip = existsSync(tokBin) && existsSync(hfDir) ? false : `needs ${tokBin} and ${hfDir} (../shared is absent)`;

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('tok512.bin converts to the same BPE vocabulary and merges as the HF tokenizer.json', { skip }, () => {
  const pieces = parseLlama2cTokenizer(readFileSync(tokBin), tokBin, 512);
  const ours = llama2cTokenizerJson(pieces) as { model: { vocab: Record<string, number>; merges: string[] } };
  const reference = readJson(path.join(hfDir, 'tokenizer.json'));
  assert.deepEqual(ours.model.vocab, reference.model.vocab);
  assert.deepEqual(ours.model.merges, reference.model.merges);
});

test('the converted tokenizer reproduces reference.json encode_cases and decodes greedy_text', { skip }, () => {
  const pieces = parseLlama2cTokenizer(readFileSync(tokBin), tokBin, 512);
  const tokenizer = new Tokenizer(llama2cTokenizerJson(pieces), llama2cTokenizerConfig(512));
  const reference = readJson(path.join(hfDir, 'reference.json'));
  assert.ok(reference.encode_cases.length >= 5);
  for (const c of reference.encode_cases) assert.deepEqual(tokenizer.encode(c.text).ids, c.ids, JSON.stringify(c.text));
  assert.equal(tokenizer.decode(reference.greedy_from_bos, { skip_special_tokens: true }), reference.greedy_text);
});

test('bad tokenizer files give one-line errors naming the file and position', { skip }, () => {
  const good = readFileSync(tokBin);
  assert.throws(() => parseLlama2cTokenizer(good.subarray(0, 2), 'x.bin'), /^Error: x\.bin: truncated llama2\.c tokenizer/);
  assert.throws(() => parseLlama2cTokenizer(good.subarray(0, 1000), 'x.bin'), /^Error: x\.bin: (truncated|bad length).* token \d+/);
  assert.throws(() => parseLlama2cTokenizer(good, 'x.bin', 600), /x\.bin: holds 512 tokens, the checkpoint's vocab_size is 600/);
  const garbage = new Uint8Array(64).fill(0xff);
  assert.throws(() => parseLlama2cTokenizer(garbage, 'g.bin'), /g\.bin: not a llama2\.c tokenizer/);
});
