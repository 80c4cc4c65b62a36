// y = erf x: dx = g · 2/√π · exp(-x²).
import { registerGradient } from '../registry';

registerGradient('Erf', {
  backward: ({ node, dy: [g], em }) => {
    const x = node.inputs[0]!;
    const bell = em.op1('Exp', [em.neg(em.mul(x, x))]);
    return [em.mul(g!, em.mul(bell, em.floatConst(2 / Math.sqrt(Math.PI))))];
  },
});
