// y = a - b.
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Sub', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [a, b] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    return [needsGrad(0) ? unbroadcast(em, g!, a, y) : undefined, needsGrad(1) ? unbroadcast(em, em.neg(g!), b, y) : undefined];
  },
});
