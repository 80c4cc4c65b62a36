// y = x for x > 0, alpha·x otherwise.
import { attrFloat } from '../attributes';
import { registerGradient } from '../registry';

registerGradient('LeakyRelu', {
  backward: ({ node, dy: [g], em }) => {
    const positive = em.op1('Greater', [node.inputs[0]!, em.floatConst(0)]);
    return [em.op1('Where', [positive, g!, em.mul(g!, em.floatConst(attrFloat(node, 'alpha', 0.01)))])];
  },
});
