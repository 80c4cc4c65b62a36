// y = a / b: da = g / b, db = -g * y / b.
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Div', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [a, b] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    const da = needsGrad(0) ? unbroadcast(em, em.op1('Div', [g!, b]), a, y) : undefined;
    const db = needsGrad(1) ? unbroadcast(em, em.neg(em.op1('Div', [em.mul(g!, y), b])), b, y) : undefined;
    return [da, db];
  },
});
