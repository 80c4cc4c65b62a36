// y = log softmax(x) along axis: dx = g - exp(y) Σ g.
import { attrInt } from '../attributes';
import { registerGradient } from '../registry';

registerGradient('LogSoftmax', {
  backward: ({ node, dy: [g], em }) => {
    const total = em.reduceSum(g!, [attrInt(node, 'axis', -1)], true);
    return [em.op1('Sub', [g!, em.mul(em.op1('Exp', [node.outputs[0]!]), total)])];
  },
});
