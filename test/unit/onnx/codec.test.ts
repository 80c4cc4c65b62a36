import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeModel, encodeModel, readModelFile } from '../../../src/engine/onnx/codec';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import { ProtoReader, ProtoWriter } from '../../../src/engine/onnx/protobuf';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';

function opset18(w: ProtoWriter): void {
  w.messageField(8, (o) => o.int64Field(2, 18));
}

function sampleModel(): OnnxModel {
  return {
    irVersion: 8,
    opsetImports: [
      { domain: '', version: 18 },
      { domain: 'com.microsoft', version: 1 },
    ],
    producerName: 'promptsmith-test',
    producerVersion: '0.1',
    metadata: { purpose: 'round trip', 'ünïcode': 'ok ✓' },
    graph: {
      name: 'g',
      inputs: [{ name: 'x', dataType: 'float32', shape: ['batch', 3, null] }],
      outputs: [{ name: 'y', dataType: 'float32', shape: ['batch', 3] }],
      valueInfo: [{ name: 'mid', dataType: 'int64' }],
      initializers: [
        { name: 'w', dataType: 'float32', dims: [2, 3], data: Float32Array.from([1.5, -2, 3.25, 0, 1e-30, -7]) },
        { name: 'h', dataType: 'float16', dims: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
        { name: 'i', dataType: 'int64', dims: [3], data: BigInt64Array.from([-1n, 9223372036854775807n, -9223372036854775808n]) },
        { name: 'b', dataType: 'bool', dims: [], data: Uint8Array.from([1]) },
        { name: 'e', dataType: 'int32', dims: [0, 4], data: new Int32Array(0) },
      ],
      nodes: [
        {
          name: 'slice',
          opType: 'Slice',
          inputs: ['x', 'w', '', 'i'],
          outputs: ['mid'],
          attributes: {
            big: { type: 'int', value: 2 ** 63 },
            neg: { type: 'int', value: -3 },
            f: { type: 'float', value: 0.5 },
            s: { type: 'string', value: 'héllo' },
            ints: { type: 'ints', value: [1, -1, 2 ** 40, 2 ** 63, -(2 ** 63)] },
            floats: { type: 'floats', value: [0.25, -1] },
            strings: { type: 'strings', value: ['a', ''] },
            t: { type: 'tensor', value: { name: 't', dataType: 'float64', dims: [1], data: Float64Array.from([Math.PI]) } },
          },
        },
        {
          name: 'if',
          opType: 'If',
          domain: 'com.microsoft',
          inputs: ['b'],
          outputs: ['y'],
          attributes: {
            then_branch: {
              type: 'graph',
              value: { name: 'then', nodes: [], inputs: [], outputs: [{ name: 'x', dataType: 'float32' }], initializers: [], valueInfo: [] },
            },
          },
        },
      ],
    },
  };
}

test('encode → decode round-trips every field, INT64 extremes and float16 bits included', () => {
  const model = sampleModel();
  const back = decodeModel(encodeModel(model), 'sample.onnx');
  assert.deepEqual(back, model);
  const attrs = back.graph.nodes[0]!.attributes;
  // INT64_MAX is not representable as a double; it must come back as the same int64 on re-encode.
  assert.deepEqual(encodeModel(back), encodeModel(model));
  assert.equal(attrs['big']!.value, 2 ** 63);
});

test('readModelFile decodes a file on disk (Node Buffer input) identically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-onnx-'));
  try {
    writeFileSync(join(dir, 'model.onnx'), encodeModel(sampleModel()));
    assert.deepEqual(readModelFile(join(dir, 'model.onnx')), sampleModel());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('INT64_MAX attribute is written as the exact 64-bit value', () => {
  const w = new ProtoWriter();
  w.int64Field(3, 2 ** 63);
  const r = new ProtoReader(w.finish(), 'x');
  r.readTag();
  assert.equal(r.readBigVarint(), 9223372036854775807n);
});

test('decoder accepts packed dims/ints and typed float_data/int32_data (not only raw_data)', () => {
  const w = new ProtoWriter();
  w.messageField(7, (g) => {
    g.messageField(5, (t) => {
      t.packedVarints(1, [2, 2]);
      t.int64Field(2, 1);
      t.stringField(8, 'packed');
      t.packedFloats(4, [1, 2, 3, 4]);
    });
    g.messageField(5, (t) => {
      t.int64Field(1, 2);
      t.int64Field(2, 10); // float16 in int32_data
      t.stringField(8, 'half');
      t.packedVarints(5, [0x3c00, 0x4000]);
    });
    g.messageField(1, (n) => {
      n.stringField(4, 'Foo');
      n.messageField(5, (a) => {
        a.stringField(1, 'ints'); // no type field: inferred
        a.packedVarints(8, [4, 5]);
      });
    });
  });
  opset18(w);
  const m = decodeModel(w.finish(), 'packed.onnx');
  assert.deepEqual(Array.from(m.graph.initializers[0]!.data as Float32Array), [1, 2, 3, 4]);
  assert.deepEqual(m.graph.initializers[0]!.dims, [2, 2]);
  assert.deepEqual(Array.from(m.graph.initializers[1]!.data as Uint16Array), [0x3c00, 0x4000]);
  assert.deepEqual(m.graph.nodes[0]!.attributes['ints'], { type: 'ints', value: [4, 5] });
});

test('external data tensors are read from the base folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-ext-'));
  try {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const pad = new Uint8Array(16);
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat([pad, new Uint8Array(values.buffer)]));
    const w = new ProtoWriter();
    w.messageField(7, (g) =>
      g.messageField(5, (t) => {
        t.int64Field(1, 6);
        t.int64Field(2, 1);
        t.stringField(8, 'ext');
        for (const [k, v] of [['location', 'weights.bin'], ['offset', '16'], ['length', '24']]) {
          t.messageField(13, (p) => {
            p.stringField(1, k!);
            p.stringField(2, v!);
          });
        }
        t.int64Field(14, 1);
      }),
    );
    opset18(w);
    writeFileSync(join(dir, 'model.onnx'), w.finish());
    const m = readModelFile(join(dir, 'model.onnx'));
    assert.deepEqual(Array.from(m.graph.initializers[0]!.data as Float32Array), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => decodeModel(w.finish(), 'nodir.onnx'), { message: /nodir\.onnx: tensor 'ext': uses external data 'weights.bin'/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truncated and garbage bytes give one-line errors naming the file', () => {
  const bytes = encodeModel(sampleModel());
  for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 3]) {
    assert.throws(
      () => decodeModel(bytes.subarray(0, cut), '/m/model.onnx'),
      (e: Error) => /^\/m\/model\.onnx: .*(truncated|not an ONNX model|not a complete ONNX model|bad wire type|invalid field)/.test(e.message) && !e.message.includes('\n'),
    );
  }
  const garbage = Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff);
  assert.throws(() => decodeModel(garbage, 'garbage.onnx'), { message: /^garbage\.onnx: / });
  assert.throws(() => decodeModel(new TextEncoder().encode('hello, I am a text file\n'), 'text.onnx'), { message: /^text\.onnx: / });
  assert.throws(() => readModelFile('/nonexistent/model.onnx'), { message: /^\/nonexistent\/model\.onnx: cannot read \(ENOENT\)/ });
});

test('a file cut right after the graph (no opset_import) is reported, not half-read', () => {
  const w = new ProtoWriter();
  w.messageField(7, (g) => g.stringField(2, 'g'));
  assert.throws(() => decodeModel(w.finish(), 'cut.onnx'), { message: /^cut\.onnx: not a complete ONNX model \(no opset_import; truncated\?\)$/ });
});

test('the exported stories260k decodes and re-encodes to identical bytes', async (t) => {
  if (!storiesHfDir()) return t.skip(STORIES_ABSENT);
  const bytes = new Uint8Array(readFileSync(join(await storiesOnnxDir(), 'onnx', 'model.onnx')));
  const model = decodeModel(bytes, 'stories.onnx');
  assert.ok(model.graph.nodes.length > 100);
  assert.deepEqual(encodeModel(model), bytes);
});
