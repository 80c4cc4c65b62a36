// y = a * b: da = g * b, db = g * a.
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Mul', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [a, b] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    return [
      needsGrad(0) ? unbroadcast(em, em.mul(g!, b), a, y) : undefined,
      needsGrad(1) ? unbroadcast(em, em.mul(g!, a), b, y) : undefined,
    ];
  },
});
