// What big and quantized models need from the ONNX layer: the element types of quantized and
// half-precision exports round-trip, big tensors stay in their files until written out (lazy
// tensors, streamed external data, safetensors read tensor by tensor), dead nodes are pruned,
// and a model over the in-memory limit opens through a temporary external-data file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { decodeModel, encodeModel, readModelFile, storageBytes, writeModelFile } from '../../../src/engine/onnx/codec';
import { type DataType, lazyTensor, type OnnxModel, type TensorData } from '../../../src/engine/onnx/ir';
import { pruneDeadNodes } from '../../../src/engine/onnx/prune';
import { openSafetensors, readSafetensors, writeSafetensors } from '../../../src/engine/onnx/safetensors';
import { bfloat16ToFloat32, float16ToFloat32 } from '../../../src/engine/onnx/tensorTypes';
import { openModelSession } from '../../../src/engine/runtime/modelSession';
import { float32Tensor } from '../../../src/engine/runtime/ort';

const tmp = mkdtempSync(join(tmpdir(), 'ps-bigmodels-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function modelWith(initializers: TensorData[]): OnnxModel {
  const b = new GraphBuilder('types');
  for (const t of initializers) b.initializer(t);
  const x = b.input('x', 'float32', [1]);
  b.output(b.op('Identity', [x], {}, { output: 'y' }), 'float32', [1]);
  return b.build();
}

test('bf16, int4/uint4 (packed, odd count), int16/uint16, uint32/uint64 tensors round-trip through the codec', () => {
  const tensors: TensorData[] = [
    { name: 'bf16', dataType: 'bfloat16', dims: [3], data: Uint16Array.of(0x3f80, 0xc040, 0x7f80) },
    { name: 'int4', dataType: 'int4', dims: [3], data: Uint8Array.of(0x7f, 0x08) },
    { name: 'uint4', dataType: 'uint4', dims: [2, 2], data: Uint8Array.of(0x21, 0xf0) },
    { name: 'int16', dataType: 'int16', dims: [2], data: Int16Array.of(-32768, 7) },
    { name: 'uint16', dataType: 'uint16', dims: [2], data: Uint16Array.of(65535, 1) },
    { name: 'uint32', dataType: 'uint32', dims: [1], data: Uint32Array.of(4294967295) },
    { name: 'uint64', dataType: 'uint64', dims: [1], data: BigUint64Array.of(2n ** 64n - 1n) },
  ];
  const back = decodeModel(encodeModel(modelWith(tensors))).graph.initializers;
  for (const t of tensors) {
    const got = back.find((b) => b.name === t.name)!;
    assert.equal(got.dataType, t.dataType, t.name);
    assert.deepEqual([...got.data], [...t.data], t.name);
  }
  assert.equal(storageBytes('int4', 3), 2);
  assert.deepEqual([...bfloat16ToFloat32(Uint16Array.of(0x3f80, 0xc040))], [1, -3]);
  assert.deepEqual([...float16ToFloat32(Uint16Array.of(0x3c00, 0xc200, 0x0001))], [1, -3, 2 ** -24]);
  // A packed tensor with the wrong byte count is refused, naming it.
  assert.throws(() => encodeModel(modelWith([{ name: 'short', dataType: 'int4', dims: [5], data: Uint8Array.of(1, 2) }])), /'short': has 2 values, dims \[5\] need 3/);
});

test('lazy tensors are read once each while a model is written with external data, and the result reads back equal', () => {
  let reads = 0;
  const weights = Array.from({ length: 3 }, (_, k) => {
    const data = Float32Array.from({ length: 300_000 }, (_, i) => Math.sin(i + k));
    return { eager: { name: `w${k}`, dataType: 'float32' as DataType, dims: [300_000], data }, lazy: lazyTensor(`w${k}`, 'float32', [300_000], () => {
        reads++;
        return data;
      }),
    };
  });
  const path = join(tmp, 'lazy', 'model.onnx');
  mkdirSync(join(tmp, 'lazy'), { recursive: true });
  writeModelFile(path, modelWith(weights.map((w) => w.lazy)), true);
  assert.equal(reads, 3, 'each lazy tensor read exactly once');
  const eager = readModelFile(path);
  const lazy = readModelFile(path, { lazyTensors: true });
  for (const [k, w] of weights.entries()) {
    assert.deepEqual(eager.graph.initializers[k]!.data, w.eager.data);
    const t = lazy.graph.initializers[k]!;
    assert.notEqual(Object.getOwnPropertyDescriptor(t, 'data')?.get, undefined, 'big tensors of a lazily read file are getters');
    assert.deepEqual(t.data, w.eager.data);
  }
  // A single-file model read lazily: its big tensors are read from inside the protobuf.
  const single = join(tmp, 'single.onnx');
  writeModelFile(single, modelWith(weights.map((w) => w.eager)), false);
  assert.deepEqual(readModelFile(single, { lazyTensors: true }).graph.initializers.map((t) => t.data), weights.map((w) => w.eager.data));
});

test('safetensors opened lazily read each tensor from disk, equal to the file read whole', () => {
  const path = join(tmp, 'model.safetensors');
  const a = Float32Array.from({ length: 1000 }, (_, i) => i / 3);
  writeSafetensors(path, [
    { name: 'a', dtype: 'F32', shape: [10, 100], data: a },
    { name: 'b', dtype: 'I64', shape: [2], data: BigInt64Array.of(5n, -1n) },
  ]);
  const whole = readSafetensors(path);
  const lazy = openSafetensors(path);
  assert.deepEqual(lazy.float32('a'), whole.float32('a'));
  assert.deepEqual([...lazy.entry('b').bytes], [...whole.entry('b').bytes]);
  assert.deepEqual(lazy.entry('a').shape, [10, 100]);
});

test('pruning keeps what the outputs need (subgraph reads included) and drops the rest with its initializers', () => {
  const b = new GraphBuilder('prune');
  const x = b.input('x', 'float32', [2]);
  const used = b.constFloat([1, 2], [2], 'used');
  const unused = b.constFloat([3, 4], [2], 'unused');
  const kept = b.op('Add', [x, used]);
  b.op('Mul', [x, unused], {}, { name: 'Dead' });
  const cond = b.input('cond', 'bool', []);
  const branch = (value: string) => ({ type: 'graph' as const, value: { name: 'b', nodes: [{ name: 'I', opType: 'Identity', inputs: [value], outputs: [`${value}_b`], attributes: {} }], inputs: [], outputs: [{ name: `${value}_b`, dataType: 'float32' as const, shape: [2] }], initializers: [], valueInfo: [] } });
  const inner = b.op('Neg', [x], {}, { name: 'ReadBySubgraph' });
  b.node('If', [cond], { then_branch: branch(inner), else_branch: branch(kept) }, { outputs: ['y'] });
  b.output('y', 'float32', [2]);
  const pruned = pruneDeadNodes(b.graph);
  assert.deepEqual(
    pruned.nodes.map((n) => n.name),
    ['Add', 'ReadBySubgraph', 'If'],
  );
  assert.deepEqual(
    pruned.initializers.map((t) => t.name),
    ['used'],
  );
});

test('a model over the in-memory limit opens through a temporary external-data file and computes the same', async () => {
  const b = new GraphBuilder('big');
  const x = b.input('x', 'float32', [1, 256]);
  const w = b.initializer(lazyTensor('w', 'float32', [256, 4], () => Float32Array.from({ length: 1024 }, (_, i) => ((i * 7) % 13) - 6)));
  b.output(b.op('MatMul', [x, w], {}, { output: 'y' }), 'float32', [1, 4]);
  const model = b.build();
  const input = { x: float32Tensor(Float32Array.from({ length: 256 }, (_, i) => (i % 5) - 2), [1, 256]) };
  const viaFile = await openModelSession(model, 'cpu', { prepackWeights: false, memoryArena: false }, 0);
  const inMemory = await openModelSession(model, 'cpu');
  try {
    assert.deepEqual((await viaFile.session.run(input)).y!.data, (await inMemory.session.run(input)).y!.data);
  } finally {
    await viaFile.session.release();
    await inMemory.session.release();
  }
});
