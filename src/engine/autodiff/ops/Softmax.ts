// y = softmax(x) along axis: dx = y (g - Σ g y).
import { attrInt } from '../attributes';
import { registerGradient } from '../registry';

registerGradient('Softmax', {
  backward: ({ node, dy: [g], em }) => {
    const y = node.outputs[0]!;
    const dot = em.reduceSum(em.mul(g!, y), [attrInt(node, 'axis', -1)], true);
    return [em.mul(y, em.op1('Sub', [g!, dot]))];
  },
});
