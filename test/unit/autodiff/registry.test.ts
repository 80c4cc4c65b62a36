// The registry and the error paths: duplicate rules, ops without a rule on (and off) the
// differentiable path, bad wrt/loss names, and pruning of paths that do not reach the loss.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutodiffError, buildGradientGraph, registeredGradientOps } from '../../../src/engine/autodiff/gradientGraph';
import { registerGradient } from '../../../src/engine/autodiff/registry';
import { GraphBuilder } from '../../../src/engine/onnx/builder';

test('registering a second rule for an op throws, naming the op', () => {
  assert.throws(() => registerGradient('MatMul', { backward: () => [] }), (e: Error) => e instanceof AutodiffError && /MatMul/.test(e.message));
});

function graphWith(opType: string, onPath: boolean) {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', [2, 3]);
  const odd = b.op(opType, [onPath ? x : b.op('Shape', [x])], {}, { name: 'the_odd_node' });
  const y = onPath ? b.op('Mul', [odd, x]) : b.op('Mul', [x, x]);
  const loss = b.op('ReduceSum', [y], { keepdims: 0 }, { output: 'loss' });
  b.output(loss, 'float32', []);
  if (!onPath) b.output(odd, 'int64');
  return b.build();
}

test('an op without a rule on the path is a loud error naming the op and the node', () => {
  assert.throws(
    () => buildGradientGraph(graphWith('Mish', true), { wrt: ['x'], loss: 'loss' }),
    (e: Error) => e instanceof AutodiffError && /Mish/.test(e.message) && /the_odd_node/.test(e.message),
  );
});

test('an op without a rule off the path (on an integer shape path) is fine', () => {
  const model = buildGradientGraph(graphWith('BitwiseNot', false), { wrt: ['x'], loss: 'loss' });
  assert.ok(model.graph.outputs.some((o) => o.name === 'x_grad'));
});

test('bad wrt and loss names and non-float wrt tensors are reported by name', () => {
  const model = graphWith('Relu', true);
  assert.throws(() => buildGradientGraph(model, { wrt: ['nope'], loss: 'loss' }), /wrt tensor nope/);
  assert.throws(() => buildGradientGraph(model, { wrt: ['x'], loss: 'nope' }), /loss nope/);
  assert.throws(() => buildGradientGraph(model, { wrt: ['x', 'x'], loss: 'loss' }), /twice/);
  const b = new GraphBuilder('g');
  const ids = b.input('ids', 'int64', [2]);
  const table = b.constFloat([1, 2, 3, 4], [2, 2], 'table');
  b.output(b.op('ReduceSum', [b.op('Gather', [table, ids])], { keepdims: 0 }, { output: 'loss' }), 'float32', []);
  assert.throws(() => buildGradientGraph(b.build(), { wrt: ['ids'], loss: 'loss' }), /ids is int64/);
});

test('only nodes between wrt and loss get gradient nodes; unrelated wrt tensors get zeros', () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', [2, 3]);
  const unused = b.input('unused', 'float32', [4]);
  // A side branch that feeds an output but not the loss must not be differentiated.
  b.output(b.op('Exp', [b.op('Tanh', [x])]), 'float32');
  b.output(b.op('Sigmoid', [unused]), 'float32');
  const loss = b.op('ReduceSum', [b.op('Mul', [x, x])], { keepdims: 0 }, { output: 'loss' });
  b.output(loss, 'float32', []);
  const before = b.graph.nodes.length;
  const model = buildGradientGraph(b.build(), { wrt: ['x', 'unused'], loss: 'loss' });
  const added = model.graph.nodes.slice(before).map((n) => n.opType);
  assert.ok(!added.includes('Tanh') && !added.includes('Sigmoid') && !added.includes('Exp'), `unexpected nodes: ${added}`);
  assert.deepEqual(
    model.graph.outputs.map((o) => o.name).slice(-2),
    ['x_grad', 'unused_grad'],
  );
  assert.ok(added.includes('ConstantOfShape'));
});

test('a non-scalar loss and an old opset are refused', () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', [2, 3]);
  b.output(b.op('Relu', [x], {}, { output: 'y' }), 'float32', [2, 3]);
  assert.throws(() => buildGradientGraph(b.build(), { wrt: ['x'], loss: 'y' }), /must be a scalar/);
  assert.throws(() => buildGradientGraph(b.build({ opset: 11 }), { wrt: ['x'], loss: 'y' }), /opset 11/);
});

test('every op of the Llama/GPT-2/BERT paths has a rule', () => {
  const ops = new Set(registeredGradientOps());
  const required = ['MatMul', 'Gemm', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Softmax', 'LogSoftmax',
    'ReduceMean', 'ReduceSum', 'ReduceMax', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice', 'Gather', 'Expand',
    'Where', 'Tanh', 'Sigmoid', 'Erf', 'Relu', 'Identity', 'Cast', 'LayerNormalization', 'Shape', 'Range', 'Equal', 'ConstantOfShape'];
  assert.deepEqual(required.filter((op) => !ops.has(op)), []);
});
