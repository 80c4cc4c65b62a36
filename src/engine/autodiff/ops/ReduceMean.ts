// Like ReduceSum, divided by the number of elements averaged: a constant when the reduced dims
// are known statically, else |x| / |y| at run time.
import { attrInts } from '../attributes';
import { expandReduced, reduceAxes } from '../reduceAxes';
import { registerGradient } from '../registry';
import { normAxis } from '../shapeInference';

registerGradient('ReduceMean', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const r = reduceAxes(em, node);
    if (r.identity) return [g];
    const [x, y] = [node.inputs[0]!, node.outputs[0]!];
    const spread = expandReduced(em, node, g!, r);
    const shape = em.info.shape(x);
    const axes = attrInts(node, 'axes') ?? em.info.constNumbers(node.inputs[1]);
    const dims = shape && axes && axes.length > 0 ? axes.map((a) => shape[normAxis(a, shape.length)]) : undefined;
    if (dims?.every((d) => typeof d === 'number')) {
      return [em.mul(spread, em.floatConst(1 / (dims as number[]).reduce((a, b) => a * b, 1)))];
    }
    const count = em.op1('Div', [em.op1('Size', [x]), em.op1('Size', [y])]);
    return [em.op1('Div', [spread, em.castLike(count, g!)])];
  },
});
