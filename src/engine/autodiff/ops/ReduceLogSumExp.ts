// y = ln Σ eˣ: dx = g · e^(x - y) (a softmax over the reduced axes).
import { expandReduced, reduceAxes } from '../reduceAxes';
import { registerGradient } from '../registry';

registerGradient('ReduceLogSumExp', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const [x, y] = [node.inputs[0]!, node.outputs[0]!];
    const r = reduceAxes(em, node);
    if (r.identity) return [g];
    const weights = em.op1('Exp', [em.op1('Sub', [x, expandReduced(em, node, y, r)])]);
    return [em.mul(expandReduced(em, node, g!, r), weights)];
  },
});
