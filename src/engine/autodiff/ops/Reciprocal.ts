// y = 1/x: dx = -g y².
import { registerGradient } from '../registry';

registerGradient('Reciprocal', {
  backward: ({ node, dy: [g], em }) => {
    const y = node.outputs[0]!;
    return [em.neg(em.mul(g!, em.mul(y, y)))];
  },
});
