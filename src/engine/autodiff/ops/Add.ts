// y = a + b: the gradient passes through, summed over broadcast axes.
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Add', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [a, b] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    return [needsGrad(0) ? unbroadcast(em, g!, a, y) : undefined, needsGrad(1) ? unbroadcast(em, g!, b, y) : undefined];
  },
});
