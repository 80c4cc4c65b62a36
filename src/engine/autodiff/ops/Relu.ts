// y = max(x, 0): the gradient passes where x > 0.
import { registerGradient } from '../registry';

registerGradient('Relu', {
  backward: ({ node, dy: [g], em }) => {
    const zero = em.floatConst(0);
    return [em.op1('Where', [em.op1('Greater', [node.inputs[0]!, zero]), g!, zero])];
  },
});
