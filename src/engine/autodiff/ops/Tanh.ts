// y = tanh x: dx = g (1 - y²).
import { registerGradient } from '../registry';

registerGradient('Tanh', {
  backward: ({ node, dy: [g], em }) => {
    const y = node.outputs[0]!;
    return [em.mul(g!, em.op1('Sub', [em.floatConst(1), em.mul(y, y)]))];
  },
});
