// The output gradients are concatenated back; outputs without a gradient contribute zeros.
import { attrInt } from '../attributes';
import { int } from '../emitter';
import { registerGradient } from '../registry';

registerGradient('Split', {
  differentiableInputs: () => [0],
  backward: ({ node, dy, em }) => {
    const pieces = node.outputs.map((o, i) => dy[i] ?? em.zerosLike(o));
    return [em.op1('Concat', pieces, { axis: int(attrInt(node, 'axis', 0)) })];
  },
});
