// Like ReduceSum, divided by the number of elements averaged (|x| / |y|, at run time).
import { expandReduced, reduceAxes } from '../reduceAxes';
import { registerGradient } from '../registry';

registerGradient('ReduceMean', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const r = reduceAxes(em, node);
    if (r.identity) return [g];
    const count = em.op1('Div', [em.op1('Size', [node.inputs[0]!]), em.op1('Size', [node.outputs[0]!])]);
    return [em.op1('Div', [expandReduced(em, node, g!, r), em.castLike(count, g!)])];
  },
});
