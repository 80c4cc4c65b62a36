// y = √x: dx = g / (2y).
import { registerGradient } from '../registry';

registerGradient('Sqrt', {
  backward: ({ node, dy: [g], em }) => [em.op1('Div', [em.mul(g!, em.floatConst(0.5)), node.outputs[0]!])],
});
