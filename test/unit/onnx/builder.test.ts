import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { decodeModel, encodeModel, readModelFile, writeModelFile } from '../../../src/engine/onnx/codec';
import { ort } from '../../../src/engine/runtime/ort';

test('names are unique and exact names cannot be reused', () => {
  const b = new GraphBuilder();
  b.input('x', 'float32', [2]);
  const a = b.op('Relu', ['x']);
  const c = b.op('Relu', ['x']);
  assert.notEqual(a, c);
  assert.equal(b.uniqueName('x'), 'x_1');
  assert.throws(() => b.input('x', 'float32', [2]), /'x' is already used/);
  const outs = b.node('Split', ['x'], { axis: 0, num_outputs: 2 }, { outputs: 2 });
  assert.equal(new Set([...outs, a, c]).size, 4);
  // Continuing an existing graph keeps its names reserved.
  const again = new GraphBuilder(b.graph);
  assert.notEqual(again.op('Relu', ['x']), a);
});

test('a built graph (MatMul, Add, Slice to INT64_MAX, ReduceSum) runs in ORT with the expected numbers', async () => {
  const b = new GraphBuilder('affine');
  const x = b.input('x', 'float32', ['batch', 4]);
  const w = b.constFloat([1, 0, 2, 0, 1, 0, 0, 0, 1, -1, 0, 0], [4, 3], 'w');
  const bias = b.constFloat([0.5, -0.5, 1], [3], 'bias');
  const y = b.op('Add', [b.op('MatMul', [x, w]), bias]);
  // ends = INT64_MAX: "to the end", must survive encoding exactly
  const tail = b.op('Slice', [y, b.constInt64([1]), b.constInt64([2 ** 63]), b.constInt64([1])]);
  const sum = b.op('ReduceSum', [tail, b.constInt64([1])], { keepdims: 0 }, { output: 'sum' });
  const scaled = b.op('Mul', [y, b.constFloat([2], [])], {}, { output: 'scaled' });
  b.output(sum, 'float32', ['batch']);
  b.output(scaled, 'float32', ['batch', 3]);
  const model = b.build();
  const bytes = encodeModel(decodeModel(encodeModel(model), 'built.onnx'));
  const { InferenceSession, Tensor } = ort();
  const session = await InferenceSession.create(bytes);
  try {
    const input = Float32Array.from([1, 2, 3, 4, -1, 0, 0.5, 2]);
    const out = await session.run({ x: new Tensor('float32', input, [2, 4]) });
    // by hand: row0 y = [1-4+0.5, 2-0.5, 2+3+1] = [-2.5, 1.5, 6]; row1 y = [-1-2+0.5, 0-0.5, -2+0.5+1] = [-2.5, -0.5, -0.5]
    assert.deepEqual(Array.from(out['scaled']!.data as Float32Array), [-5, 3, 12, -5, -1, -1]);
    assert.deepEqual(Array.from(out['sum']!.data as Float32Array), [7.5, -1]);
    assert.deepEqual(out['sum']!.dims, [2]);
  } finally {
    await session.release();
  }
});

test('a model written with external data (model.onnx_data) reads back and runs in ORT from its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-extdata-'));
  try {
    const b = new GraphBuilder('ext');
    const x = b.input('x', 'float32', [1, 300]);
    const w = b.constFloat(Float32Array.from({ length: 300 * 2 }, (_, i) => (i % 7) - 3), [300, 2], 'w');
    const small = b.constFloat([1, -1], [2], 'small');
    b.output(b.op('Add', [b.op('MatMul', [x, w]), small], {}, { output: 'y' }), 'float32', [1, 2]);
    const model = b.build();
    const path = join(dir, 'model.onnx');
    assert.equal(writeModelFile(path, model, true), 'model.onnx_data');
    assert.equal(statSync(join(dir, 'model.onnx_data')).size, 300 * 2 * 4);
    assert.ok(statSync(path).size < 1000, 'the weights are not in the protobuf');
    assert.deepEqual(readModelFile(path), decodeModel(encodeModel(model)));
    const { InferenceSession, Tensor } = ort();
    const session = await InferenceSession.create(path);
    try {
      const input = Float32Array.from({ length: 300 }, (_, i) => (i % 3) - 1);
      const out = (await session.run({ x: new Tensor('float32', input, [1, 300]) }))['y']!.data as Float32Array;
      const expected = [0, 1].map((j) => input.reduce((sum, v, i) => sum + v * (((i * 2 + j) % 7) - 3), 0) + (j === 0 ? 1 : -1));
      assert.deepEqual(Array.from(out), expected);
    } finally {
      await session.release();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
