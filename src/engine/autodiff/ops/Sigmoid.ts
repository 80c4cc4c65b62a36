// y = σ(x): dx = g y (1 - y).
import { registerGradient } from '../registry';

registerGradient('Sigmoid', {
  backward: ({ node, dy: [g], em }) => {
    const y = node.outputs[0]!;
    return [em.mul(g!, em.mul(y, em.op1('Sub', [em.floatConst(1), y])))];
  },
});
