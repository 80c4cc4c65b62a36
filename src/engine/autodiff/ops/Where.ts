// y = where(c, a, b): the gradient goes to a where c holds and to b elsewhere.
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Where', {
  differentiableInputs: () => [1, 2],
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [c, a, b] = node.inputs as [string, string, string];
    const y = node.outputs[0]!;
    const zero = em.floatConst(0);
    return [
      undefined,
      needsGrad(1) ? unbroadcast(em, em.op1('Where', [c, g!, zero]), a, y) : undefined,
      needsGrad(2) ? unbroadcast(em, em.op1('Where', [c, zero, g!]), b, y) : undefined,
    ];
  },
});
