// llama2.c import: stories260k.bin + tok512.bin → HF folder equal to the shared stories260k-hf
// (tensors bit for bit after the rotate-half permutation, tokenizer cases, config), and its ONNX
// reproduces reference.json's first logits.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureLlama2cImport, findLlama2cFiles, importLlama2c } from '../../../src/engine/onnx/export/llama2c';
import { SafetensorsCheckpoint } from '../../../src/engine/onnx/safetensors';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
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
    ['truncated.bin', bin.subarray(0, 5000), /truncated.bin: truncated: 5000 bytes, the version 0 header .* implies 1056540/],
    ['header.bin', bin.subarray(0, 12), /header.bin: truncated llama2\.c checkpoint/],
    ['garbage.bin', new Uint8Array(64).fill(0x7f), /garbage.bin: header field dim = \d+ is not a plausible size/],
    ['v2.bin', Uint8Array.from([0x32, 0x34, 0x6b, 0x61, 2, 0, 0, 0, ...bin.subarray(0, 300)]), /v2.bin: llama2\.c export format version 2 is not supported/],
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

test('an unshared classifier (negative vocab_size) becomes lm_head.weight and drives the logits', { skip }, async () => {
  const bin = readFileSync(join(llama2cDir!, 'stories260k.bin'));
  const vocab = 512;
  const dim = 64;
  // Classifier = 2 × the embedding table, appended after the RoPE tables: logits must double exactly.
  const embedding = new Float32Array(new Uint8Array(bin.subarray(28, 28 + vocab * dim * 4)).buffer);
  const classifier = Buffer.from(embedding.map((v) => 2 * v).buffer);
  const untied = Buffer.concat([bin, classifier]);
  untied.writeInt32LE(-vocab, 20);
  const path = join(work, 'untied.bin');
  writeFileSync(path, untied);
  const out = join(work, 'untied');
  importLlama2c(path, join(llama2cDir!, 'tok512.bin'), out);
  assert.equal(readConfig(out).tie_word_embeddings as unknown, false);
  const weights = SafetensorsCheckpoint.open(out);
  assert.ok(weights.float32('lm_head.weight', [vocab, dim]).every((v, i) => v === 2 * embedding[i]));
  const tiedLogits = row(await runFull(await openSession(imported), readConfig(imported), [[1, 403]]), 0, 1);
  const untiedLogits = row(await runFull(await openSession(out), readConfig(out), [[1, 403]]), 0, 1);
  for (let i = 0; i < vocab; i++) assert.ok(Math.abs(untiedLogits[i] - 2 * tiedLogits[i]) <= 1e-5, `logit ${i}`);
});

test('ensureLlama2cImport imports a llama2.c folder once into the cache and reuses it', { skip }, () => {
  const folder = join(work, 'l2c-folder');
  mkdirSync(folder);
  for (const f of ['stories260k.bin', 'tok512.bin']) copyFileSync(join(llama2cDir!, f), join(folder, f));
  const cache = join(work, 'cache');
  const first = ensureLlama2cImport(folder, cache)!;
  assert.ok(existsSync(join(first, 'onnx', 'model.onnx')) && existsSync(join(first, 'tokenizer.json')));
  const stamp = statSync(join(first, 'onnx', 'model.onnx')).mtimeMs;
  assert.equal(ensureLlama2cImport(folder, cache), first);
  assert.equal(statSync(join(first, 'onnx', 'model.onnx')).mtimeMs, stamp, 'not rewritten');
  assert.equal(ensureLlama2cImport(hfDir!, cache), undefined, 'an HF folder is not a llama2.c folder');
});

test('a version 1 checkpoint (256-byte header, norms first) imports to the same tensors', { skip }, () => {
  // Re-pack stories260k.bin (version 0) as version 1, following the formats in ../shared/models/README.md.
  const v0 = readFileSync(join(llama2cDir!, 'stories260k.bin'));
  const [dim, hidden, layers, , , vocab, seq] = Array.from({ length: 7 }, (_, i) => v0.readInt32LE(i * 4));
  const kv = dim / 2;
  const sizes: [string, number][] = [
    ['emb', vocab * dim],
    ['att', layers * dim],
    ['wq', layers * dim * dim],
    ['wk', layers * kv * dim],
    ['wv', layers * kv * dim],
    ['wo', layers * dim * dim],
    ['ffn', layers * dim],
    ['w1', layers * hidden * dim],
    ['w2', layers * dim * hidden],
    ['w3', layers * hidden * dim],
    ['final', dim],
    ['rope', 2 * seq * 4],
  ];
  const part = new Map<string, Buffer>();
  let at = 28;
  for (const [name, n] of sizes) {
    part.set(name, v0.subarray(at, at + n * 4));
    at += n * 4;
  }
  assert.equal(at, v0.length, 'the test walked the whole version 0 file');
  const header = Buffer.alloc(256);
  header.writeUInt32LE(0x616b3432, 0);
  header.writeInt32LE(1, 4);
  v0.copy(header, 8, 0, 28);
  header[36] = 1;
  const order = ['att', 'ffn', 'final', 'emb', 'wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3'];
  const path = join(work, 'v1.bin');
  writeFileSync(path, Buffer.concat([header, ...order.map((k) => part.get(k)!)]));
  const out = join(work, 'from-v1');
  importLlama2c(path, join(llama2cDir!, 'tok512.bin'), out, { onnx: false });
  const ours = SafetensorsCheckpoint.open(out);
  const theirs = SafetensorsCheckpoint.open(hfDir!);
  assert.deepEqual(ours.names().sort(), theirs.names().sort());
  for (const name of theirs.names()) {
    const a = ours.float32(name);
    assert.ok(theirs.float32(name).every((v, i) => Object.is(v, a[i])), `tensor ${name} differs`);
  }
  assert.ok(!existsSync(join(out, 'onnx')), 'onnx: false writes no ONNX');
});
