// The one helper that undoes numpy broadcasting: a gradient with the shape of an op's output
// is summed over the axes along which input x was broadcast, then reshaped to x's shape.
import type { Dim } from '../onnx/ir';
import type { GradEmitter } from './emitter';
import type { Shape } from './shapeInference';

/**
 * Reduces `grad` (shaped like the forward output `y`) to the shape of input `x`.
 * Static shapes decide the axes when they are known; otherwise they are computed at run time
 * from Shape nodes, so dynamic batch and sequence sizes work.
 */
export function unbroadcast(em: GradEmitter, grad: string, x: string, y: string, matrixAxes = 0): string {
  if (matrixAxes === 0 && em.info.sameKnownShape(x, y)) return grad;
  // MatMul passes matrixAxes = 2: its last two axes are matrix axes, never broadcast.
  const trim = (s: Shape | undefined) => (s && s.length >= matrixAxes ? [...s.slice(0, s.length - matrixAxes), ...new Array<Dim>(matrixAxes).fill(1)] : undefined);
  const xs = trim(em.info.shape(x));
  const ys = trim(em.info.shape(y));
  // Static axes need every dim of x to be a number, or the very symbol y has there (a symbol
  // that differs could still be 1 at run time and broadcast).
  const lead = xs && ys ? ys.length - xs.length : -1;
  if (xs && ys && lead >= 0 && xs.every((d, i) => typeof d === 'number' || d === ys[i + lead])) {
    const axes: number[] = [];
    for (let i = 0; i < ys.length; i++) {
      if (i < lead || (xs[i - lead] === 1 && ys[i] !== 1)) axes.push(i);
    }
    if (axes.length === 0 && lead === 0) return grad;
    const summed = axes.length > 0 ? em.reduceSum(grad, axes, true) : grad;
    // keepdims leaves x's shape when the ranks agree; otherwise drop the leading axes.
    return lead === 0 ? summed : em.reshapeLike(summed, x);
  }
  return dynamicUnbroadcast(em, grad, x, y);
}

/** Axes to sum = the positions where x's shape, left-padded with 1s to grad's rank, is 1. */
function dynamicUnbroadcast(em: GradEmitter, grad: string, x: string, y: string): string {
  const xShape = em.shapeOf(x);
  // y has grad's rank (for MatMul too), and its Shape node is shared between rules.
  const gShape = em.shapeOf(y);
  const missing = em.op1('Sub', [em.op1('Size', [gShape]), em.op1('Size', [xShape])]);
  const ones = em.op1('ConstantOfShape', [em.unsqueeze(missing, [0])], {
    value: { type: 'tensor', value: { name: 'value', dataType: 'int64', dims: [1], data: BigInt64Array.of(1n) } },
  });
  const padded = em.op1('Concat', [ones, xShape], { axis: { type: 'int', value: 0 } });
  const isOne = em.op1('Equal', [padded, em.intConst([1], [])]);
  const axes = em.op1('Reshape', [em.op1('NonZero', [isOne]), em.intConst([-1])]);
  // noop_with_empty_axes: with nothing to sum, ReduceSum must not sum everything.
  const summed = em.reduceSum(grad, axes, true, true);
  return em.reshapeLike(summed, x);
}
