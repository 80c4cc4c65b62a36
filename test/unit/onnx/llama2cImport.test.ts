// llama2.c import: stories260k.bin + tok512.bin → HF folder equal to the shared stories260k-hf
// (tensors bit for bit after the rotate-half permutation, tokenizer cases, config), and its ONNX
// reproduces reference.json's first logits.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findLlama2cFiles, importLlama2c } from '../../../src/engine/onnx/export/llama2c';
import { SafetensorsCheckpoint } from '../../../src/engine/onnx/safetensors';
import { loadTokenizer } from '../../../src/engine/runtime/tokenizer';
import { sharedDir, storiesHfDir } from '../helpers/fixtures';
import { openSession, readConfig, row, runFull } from './tinyDecoding';

const shared = sharedDir();
const llama2cDir = shared && join(shared, 'models', 'stories260k-llama2c');
const hfDir = storiesHfDir();
const skip = llama2cDir && existsSync(llama2cDir) && hfDir ? false : '../shared/models/stories260k-llama2c or stories260k-hf is absent';

let work: string;
let imported: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'llama2c-'));
  imported = join(work, 'stories260k');
  if (!skip) importLlama2c(join(llama2cDir!, 'stories260k.bin'), join(llama2cDir!, 'tok512.bin'), imported);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('imported tensors equal stories260k-hf model.safetensors exactly (q/k permuted to rotate-half)', { skip }, () => {
  const ours = SafetensorsCheckpoint.open(imported);
  const theirs = SafetensorsCheckpoint.open(hfDir!);
  assert.deepEqual(ours.names().sort(), theirs.names().sort());
  assert.ok(!ours.has('lm_head.weight'), 'tied classifier: no lm_head.weight');
  for (const name of theirs.names()) {
    const a = ours.float32(name, theirs.entry(name).shape);
    const b = theirs.float32(name);
    assert.ok(a.every((v, i) => Object.is(v, b[i])), `tensor ${name} differs`);
  }
});

test('imported config.json and tokenizer match the HF folder and reference encode_cases', { skip }, () => {
  const ref = readConfig(hfDir!);
  const ours = readConfig(imported);
  for (const [key, value] of Object.entries(ref)) assert.deepEqual(ours[key], value, `config.json ${key}`);
  const tokenizer = loadTokenizer(imported);
  const reference = JSON.parse(readFileSync(join(hfDir!, 'reference.json'), 'utf8'));
  for (const c of reference.encode_cases) assert.deepEqual(tokenizer.encode(c.text), c.ids, JSON.stringify(c.text));
  assert.equal(tokenizer.decode(reference.greedy_from_bos), reference.greedy_text);
});

test('the imported ONNX reproduces reference.json logits_pos0_top10 (1e-4)', { skip }, async () => {
  const reference = JSON.parse(readFileSync(join(hfDir!, 'reference.json'), 'utf8'));
  const logits = row(await runFull(await openSession(imported), readConfig(imported), [[1]]), 0, 0);
  for (const [id, value] of reference.logits_pos0_top10 as [number, number][]) {
    assert.ok(Math.abs(logits[id] - value) <= 1e-4, `logit ${id}: ${logits[id]} vs ${value}`);
  }
});

test('bad llama2.c files give one-line errors naming the file; nothing is left behind', { skip }, () => {
  const bin = readFileSync(join(llama2cDir!, 'stories260k.bin'));
  const tok = join(llama2cDir!, 'tok512.bin');
  const out = join(work, 'out');
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated.bin', bin.subarray(0, 5000), /truncated.bin: truncated: 5000 bytes, the header .* implies 1056540/],
    ['header.bin', bin.subarray(0, 12), /header.bin: truncated llama2\.c checkpoint/],
    ['garbage.bin', new Uint8Array(64).fill(0x7f), /garbage.bin: header field dim = \d+ is not a plausible size/],
    ['v1.bin', Uint8Array.from([0x32, 0x34, 0x6b, 0x61, 1, 0, 0, 0, ...bin.subarray(0, 40)]), /v1.bin: llama2\.c export format version 1 is not supported/],
  ];
  for (const [name, bytes, message] of cases) {
    writeFileSync(join(work, name), bytes);
    assert.throws(() => importLlama2c(join(work, name), tok, out), message);
  }
  // A good checkpoint with a cut tokenizer: the error names the tokenizer file.
  const cutTok = join(work, 'tokcut.bin');
  writeFileSync(cutTok, readFileSync(tok).subarray(0, 1000));
  assert.throws(() => importLlama2c(join(llama2cDir!, 'stories260k.bin'), cutTok, out), /tokcut\.bin: (truncated|bad length) .*token \d+/);
  assert.throws(() => importLlama2c(join(work, 'nope.bin'), tok, out), /nope\.bin: missing \(llama2\.c checkpoint\)/);
  assert.ok(!existsSync(out), 'no output folder after failures');
  assert.deepEqual(readdirSync(work).filter((f) => f.includes('.tmp-')), [], 'no temp folders left');
});

test('findLlama2cFiles picks the checkpoint and the tokenizer in a folder', () => {
  assert.deepEqual(findLlama2cFiles('/m', ['stories260k.bin', 'tok512.bin', 'LICENSE']), { bin: '/m/stories260k.bin', tokenizer: '/m/tok512.bin' });
  assert.deepEqual(findLlama2cFiles('/m', ['tokenizer.bin', 'model.bin']), { bin: '/m/model.bin', tokenizer: '/m/tokenizer.bin' });
  assert.equal(findLlama2cFiles('/m', ['model.bin']), undefined);
});
