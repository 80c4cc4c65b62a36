// y = Σ x²: dx = 2 x g.
import { expandReduced, reduceAxes } from '../reduceAxes';
import { registerGradient } from '../registry';

registerGradient('ReduceSumSquare', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const x = node.inputs[0]!;
    const r = reduceAxes(em, node);
    // noop_with_empty_axes returns the input itself.
    if (r.identity) return [g];
    return [em.mul(expandReduced(em, node, g!, r), em.mul(x, em.floatConst(2)))];
  },
});
