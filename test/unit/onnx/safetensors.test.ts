import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeSafetensors, halfToFloat, parseSafetensors, readSafetensors, SafetensorsCheckpoint, writeSafetensors } from '../../../src/engine/onnx/safetensors';
import { storiesHfDir } from '../helpers/fixtures';

const dir = mkdtempSync(join(tmpdir(), 'ps-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rawFile(header: unknown, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('write → read round-trips F32/F16/BF16/I64 with metadata, converting to float32', () => {
  const path = join(dir, 'adapter.safetensors');
  writeSafetensors(
    path,
    [
      { name: 'prompt_embeddings', dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -0.25]) },
      // 1.0, -2.0, 65504 (max half), smallest subnormal
      { name: 'half', dtype: 'F16', shape: [4], data: Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]) },
      // bf16 = the top 16 bits of a float32: 1.0 and -3.0
      { name: 'brain', dtype: 'BF16', shape: [2], data: Uint16Array.from([0x3f80, 0xc040]) },
      { name: 'ids', dtype: 'I64', shape: [3], data: BigInt64Array.from([5n, -1n, 7n]) },
    ],
    { format: 'pt' },
  );
  const bytes = readFileSync(path);
  assert.equal(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)) % 8, 0, 'data section 8-byte aligned');
  const file = readSafetensors(path);
  assert.deepEqual(file.metadata, { format: 'pt' });
  assert.deepEqual(file.entry('prompt_embeddings').shape, [2, 3]);
  assert.deepEqual(Array.from(file.float32('prompt_embeddings')), Array.from(Float32Array.from([1, -2, 3.5, 0, 1e-8, -0.25])));
  assert.deepEqual(Array.from(file.float32('half')), [1, -2, 65504, 2 ** -24]);
  assert.deepEqual(Array.from(file.float32('brain')), [1, -3]);
  assert.deepEqual(Array.from(file.float32('ids')), [5, -1, 7]);
  assert.equal(halfToFloat(0x7c00), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('truncated files and bad headers give one-line errors naming the file and tensor', () => {
  const good = encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 5), /^\/x\/m\.safetensors: truncated safetensors file \(5 bytes/],
    [good.subarray(0, good.length - 4), /^\/x\/m\.safetensors: tensor 'w': data_offsets \[0, 16\] run past the end of the data section \(12 bytes; file truncated\?\)$/],
    [good.subarray(0, 20), /^\/x\/m\.safetensors: bad safetensors header: its length \d+ runs past the end of the 20-byte file$/],
    [rawFile('{"w": {"dtype": "F32", '), /^\/x\/m\.safetensors: bad safetensors header: not JSON/],
    [rawFile('[1,2]'), /^\/x\/m\.safetensors: bad safetensors header: not a JSON object$/],
    [rawFile({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor 'w': unsupported dtype "Q4"/],
    [rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(8)), /tensor 'w': data_offsets span 4 bytes but F32 shape \[2\] needs 8/],
    [rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor 'w': bad shape \[-1\]/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(() => parseSafetensors(bytes, '/x/m.safetensors'), (e: Error) => pattern.test(e.message) && !e.message.includes('\n'), String(pattern));
  }
  const truncatedPath = join(dir, 'truncated.safetensors');
  writeFileSync(truncatedPath, good.subarray(0, good.length - 1));
  assert.throws(() => readSafetensors(truncatedPath), { message: new RegExp(`^${truncatedPath}: tensor 'w'`) });
  assert.throws(() => readSafetensors(join(dir, 'none.safetensors')), { message: /none\.safetensors: file not found/ });
  assert.throws(() => SafetensorsCheckpoint.open(dir), { message: /model\.safetensors: missing/ });
});

test('reads the real stories260k checkpoint', (t) => {
  const hf = storiesHfDir();
  if (!hf) return t.skip('../shared/models/stories260k-hf is absent');
  const ckpt = SafetensorsCheckpoint.open(hf);
  assert.ok(existsSync(join(hf, 'model.safetensors')));
  const embed = ckpt.float32('model.embed_tokens.weight', [512, 64]);
  assert.equal(embed.length, 512 * 64);
  assert.ok(embed.some((v) => v !== 0));
  assert.equal(ckpt.has('lm_head.weight'), false);
  assert.throws(() => ckpt.float32('model.embed_tokens.weight', [64, 512]), /has shape \[512,64\], config\.json implies \[64,512\]/);
});
