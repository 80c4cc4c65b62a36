// y = √Σ x²: dx = g x / y.
import { expandReduced, reduceAxes } from '../reduceAxes';
import { registerGradient } from '../registry';

registerGradient('ReduceL2', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const [x, y] = [node.inputs[0]!, node.outputs[0]!];
    const r = reduceAxes(em, node);
    if (r.identity) return [g];
    return [em.op1('Div', [em.mul(expandReduced(em, node, g!, r), x), expandReduced(em, node, y, r)])];
  },
});
