// Finite-difference checks of Softmax, LogSoftmax and the reductions, with axes as attributes
// (opset 13) and as inputs (opset 18), keepdims on and off.
import { test } from 'node:test';
import { checkGradients } from './gradCheck';

const x = [{ name: 'x', dims: [2, 3, 4] }];

test('Softmax and LogSoftmax along the last and a middle axis', async () => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const axis of [-1, 1]) {
      await checkGradients({ label: `${op} axis ${axis}`, inputs: x, build: (b, [v]) => b.op(op, [v!], { axis }) });
    }
  }
});

for (const op of ['ReduceSum', 'ReduceMean', 'ReduceMax']) {
  test(`${op}: axes input (18) and attribute (13), keepdims 0/1, all axes`, async () => {
    for (const keepdims of [0, 1]) {
      for (const axes of [[1], [0, -1], undefined]) {
        await checkGradients({
          label: `${op} opset 18 axes=${axes} keepdims=${keepdims}`,
          inputs: x,
          build: (b, [v]) => b.op(op, axes ? [v!, b.constInt64(axes)] : [v!], { keepdims }),
          maxCoords: 12,
        });
        // ReduceSum took its axes as an input already in opset 13.
        const attrForm = op !== 'ReduceSum' && axes;
        await checkGradients({
          label: `${op} opset 13 axes=${axes} keepdims=${keepdims}`,
          opset: 13,
          inputs: x,
          build: (b, [v]) => (attrForm ? b.op(op, [v!], { keepdims, axes }) : b.op(op, axes ? [v!, b.constInt64(axes)] : [v!], { keepdims })),
          maxCoords: 12,
        });
      }
    }
  });
}

test('ReduceSum with empty axes and noop_with_empty_axes is the identity', async () => {
  await checkGradients({ label: 'ReduceSum noop', inputs: x, build: (b, [v]) => b.op('ReduceSum', [v!], { noop_with_empty_axes: 1 }), maxCoords: 8 });
});

test('ReduceMin, ReduceSumSquare, ReduceL2, ReduceLogSumExp: keepdims 0/1, all axes', async () => {
  for (const op of ['ReduceMin', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp']) {
    for (const [axes, keepdims] of [[[1], 0], [[0, 2], 1], [undefined, 0]] as [number[] | undefined, number][]) {
      await checkGradients({
        label: `${op} axes=${axes} keepdims=${keepdims}`,
        inputs: x,
        build: (b, [v]) => b.op(op, axes ? [v!, b.constInt64(axes)] : [v!], { keepdims }),
        maxCoords: 10,
      });
    }
  }
});
