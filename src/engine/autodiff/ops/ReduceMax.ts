// The gradient goes to the maximal elements, shared equally between ties.
import { expandReduced, reduceAxes } from '../reduceAxes';
import { registerGradient } from '../registry';

registerGradient('ReduceMax', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const r = reduceAxes(em, node);
    if (r.identity) return [g];
    const x = node.inputs[0]!;
    const yFull = expandReduced(em, node, node.outputs[0]!, r);
    const isMax = em.castLike(em.op1('Equal', [x, yFull]), g!);
    const ties = r.axes ? em.reduceSum(isMax, r.axes, true) : em.op1('ReduceSum', [isMax], { keepdims: { type: 'int', value: 1 } });
    return [em.op1('Div', [em.mul(isMax, expandReduced(em, node, g!, r)), ties])];
  },
});
