// The gradient of a sum is the upstream gradient broadcast over the summed axes.
import { expandReduced, reduceAxes } from '../reduceAxes';
import { registerGradient } from '../registry';

registerGradient('ReduceSum', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const r = reduceAxes(em, node);
    return [r.identity ? g : expandReduced(em, node, g!, r)];
  },
});
