// Whole-graph check: a tiny Llama-style block (embedding lookup, RMSNorm as plain ops, causal
// multi-head attention with a mask built from shapes, SiLU MLP, tied LM head) with dynamic
// batch/sequence sizes. d(Σ logits·R)/d(embedding table) must match finite differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGradientGraph } from '../../../src/engine/autodiff/gradientGraph';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { encodeModel } from '../../../src/engine/onnx/codec';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import { ort } from '../../../src/engine/runtime/ort';
import { rng } from './gradCheck';

const V = 11;
const D = 8;
const HEADS = 2;
const HD = D / HEADS;
const FF = 12;

function tinyLlama(): OnnxModel {
  const random = rng(42);
  const b = new GraphBuilder('tiny_llama');
  const weight = (name: string, dims: number[], scale = 0.5) =>
    b.initializer({ name, dataType: 'float64', dims, data: Float64Array.from({ length: dims.reduce((x, y) => x * y, 1) }, () => scale * (2 * random() - 1)) });
  const f = (name: string, v: number) => b.initializer({ name, dataType: 'float64', dims: [], data: Float64Array.of(v) });
  const i64 = (v: number[], dims?: number[]) => b.constInt64(v, dims);
  const table = weight('embed_tokens.weight', [V, D], 1);
  const ids = b.input('input_ids', 'int64', ['batch', 'seq']);
  const x = b.op('Gather', [table, ids]);

  const rmsNorm = (h: string, w: string) => {
    const ms = b.op('ReduceMean', [b.op('Pow', [h, f(`${w}.two`, 2)]), i64([-1])], { keepdims: 1 });
    return b.op('Mul', [b.op('Mul', [h, b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [ms, f(`${w}.eps`, 1e-5)])])])]), w]);
  };
  const heads = (h: string) => b.op('Transpose', [b.op('Reshape', [h, i64([0, 0, HEADS, HD])])], { perm: [0, 2, 1, 3] });

  const h1 = rmsNorm(x, weight('ln1', [D]));
  const q = heads(b.op('MatMul', [h1, weight('wq', [D, D])]));
  const k = heads(b.op('MatMul', [h1, weight('wk', [D, D])]));
  const v = heads(b.op('MatMul', [h1, weight('wv', [D, D])]));
  const scores = b.op('Div', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), f('sqrt_hd', Math.sqrt(HD))]);
  // Causal mask from the run-time sequence length: integer and bool paths the autodiff prunes.
  const seq = b.op('Gather', [b.op('Shape', [ids]), i64([1], [])]);
  const pos = b.op('Range', [i64([0], []), seq, i64([1], [])]);
  const future = b.op('Less', [b.op('Unsqueeze', [pos, i64([1])]), b.op('Unsqueeze', [pos, i64([0])])]);
  const masked = b.op('Where', [future, f('neg_inf', -1e9), scores]);
  const attn = b.op('MatMul', [b.op('Softmax', [masked], { axis: -1 }), v]);
  const merged = b.op('Reshape', [b.op('Transpose', [attn], { perm: [0, 2, 1, 3] }), i64([0, 0, D])]);
  const x2 = b.op('Add', [x, b.op('MatMul', [merged, weight('wo', [D, D])])]);

  const h2 = rmsNorm(x2, weight('ln2', [D]));
  const gate = b.op('MatMul', [h2, weight('w1', [D, FF])]);
  const silu = b.op('Mul', [gate, b.op('Sigmoid', [gate])]);
  const up = b.op('MatMul', [h2, weight('w3', [D, FF])]);
  const x3 = b.op('Add', [x2, b.op('MatMul', [b.op('Mul', [silu, up]), weight('w2', [FF, D])])]);
  const logits = b.op('MatMul', [rmsNorm(x3, weight('lnf', [D])), b.op('Transpose', [table])], {}, { output: 'logits' });
  b.output(logits, 'float64', ['batch', 'seq', V]);
  // Loss: Σ log_softmax(logits) · R with R ∈ [-1, 1] per vocabulary entry.
  const r = weight('loss_r', [V], 1);
  b.output(b.op('ReduceSum', [b.op('Mul', [b.op('LogSoftmax', [logits], { axis: -1 }), r])], { keepdims: 0 }, { output: 'loss' }), 'float64', []);
  return b.build();
}

/** The same model with some initializers turned into graph inputs (to perturb them). */
function asInputs(model: OnnxModel, names: string[]): OnnxModel {
  const moved = model.graph.initializers.filter((t) => names.includes(t.name));
  return {
    ...model,
    graph: {
      ...model.graph,
      initializers: model.graph.initializers.filter((t) => !names.includes(t.name)),
      inputs: [...model.graph.inputs, ...moved.map((t) => ({ name: t.name, dataType: t.dataType, shape: t.dims }))],
    },
  };
}

test('tiny Llama block: d loss / d embedding table and a weight match finite differences', async () => {
  const { InferenceSession, Tensor } = ort();
  const model = tinyLlama();
  // ORT's QuickGelu fusion has no double kernel: keep the float64 graph unfused.
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'basic' as const };
  const gradModel = buildGradientGraph(model, { wrt: ['embed_tokens.weight', 'w1'], loss: 'loss' });
  const grads = await InferenceSession.create(encodeModel(gradModel), opts);
  const idsData = [3, 7, 3, 0, 10, 7, 1, 2];
  const ids = new Tensor('int64', BigInt64Array.from(idsData, BigInt), [2, 4]);
  const out = await grads.run({ input_ids: ids });
  assert.deepEqual([...out['logits']!.dims], [2, 4, V], 'the original outputs stay');

  const forward = await InferenceSession.create(encodeModel(asInputs(model, ['embed_tokens.weight', 'w1'])), opts);
  const init = (name: string) => Float64Array.from(model.graph.initializers.find((t) => t.name === name)!.data as Float64Array);
  const base = { 'embed_tokens.weight': init('embed_tokens.weight'), w1: init('w1') };
  const lossWith = async (name: 'embed_tokens.weight' | 'w1', j: number, delta: number) => {
    const values = { ...base, [name]: Float64Array.from(base[name]) };
    values[name][j]! += delta;
    const feeds = {
      input_ids: ids,
      'embed_tokens.weight': new Tensor('float64', values['embed_tokens.weight'], [V, D]),
      w1: new Tensor('float64', values.w1, [D, FF]),
    };
    return Number((await forward.run(feeds))['loss']!.data[0]);
  };
  // Rows 3 and 7 appear twice (fan-out through the lookup and the tied head); row 5 only in the head.
  const coords: ['embed_tokens.weight' | 'w1', number][] = [
    ['embed_tokens.weight', 3 * D + 1],
    ['embed_tokens.weight', 7 * D + 5],
    ['embed_tokens.weight', 5 * D + 2],
    ['embed_tokens.weight', 10 * D],
    ['w1', 0],
    ['w1', D * FF - 1],
    ['w1', 37],
  ];
  const h = 1e-6;
  for (const [name, j] of coords) {
    const fd = ((await lossWith(name, j, h)) - (await lossWith(name, j, -h))) / (2 * h);
    const analytic = Number(out[`${name}_grad`]!.data[j]);
    assert.ok(Math.abs(analytic - fd) <= 1e-6 + 1e-5 * Math.abs(fd), `d loss/d ${name}[${j}] = ${analytic}, finite differences say ${fd}`);
  }
});

test('a gate input puts the backward pass in an If: gate on gives the ungated gradients, gate off zeros and the same outputs', async () => {
  const { InferenceSession, Tensor } = ort();
  const model = tinyLlama();
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'basic' as const };
  const plain = await InferenceSession.create(encodeModel(buildGradientGraph(model, { wrt: ['embed_tokens.weight', 'w1'], loss: 'loss' })), opts);
  const gatedModel = buildGradientGraph(model, { wrt: ['embed_tokens.weight', 'w1'], loss: 'loss', gate: 'compute_gradient' });
  // The main graph is the forward pass plus one If: no backward node runs outside it.
  assert.equal(gatedModel.graph.nodes.length, model.graph.nodes.length + 1);
  assert.equal(gatedModel.graph.nodes.at(-1)!.opType, 'If');
  assert.deepEqual(gatedModel.graph.inputs.at(-1), { name: 'compute_gradient', dataType: 'bool', shape: [] });
  const gated = await InferenceSession.create(encodeModel(gatedModel), opts);
  const ids = new Tensor('int64', BigInt64Array.from([3, 7, 3, 0, 10, 7, 1, 2], BigInt), [2, 4]);
  const gate = (on: boolean) => new Tensor('bool', Uint8Array.of(on ? 1 : 0), []);
  const want = await plain.run({ input_ids: ids });
  const on = await gated.run({ input_ids: ids, compute_gradient: gate(true) });
  const off = await gated.run({ input_ids: ids, compute_gradient: gate(false) });
  for (const name of ['embed_tokens.weight_grad', 'w1_grad']) {
    assert.deepEqual([...(on[name]!.data as Float64Array)], [...(want[name]!.data as Float64Array)], name);
    assert.deepEqual([...off[name]!.dims], [...want[name]!.dims], `${name} keeps its shape when off`);
    assert.ok((off[name]!.data as Float64Array).every((v) => v === 0), `${name} is zeros when off`);
  }
  for (const name of ['loss', 'logits']) assert.deepEqual([...(off[name]!.data as Float64Array)], [...(want[name]!.data as Float64Array)], name);
  assert.throws(() => buildGradientGraph(model, { wrt: ['w1'], loss: 'loss', gate: 'input_ids' }), /already has a value of that name/);
});
