// y = x0 + x1 + … (n-ary, broadcasting).
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Sum', {
  backward: ({ node, dy: [g], needsGrad, em }) =>
    node.inputs.map((x, i) => (needsGrad(i) ? unbroadcast(em, g!, x, node.outputs[0]!) : undefined)),
});
