// Trilu keeps a triangle: the gradient is the same triangle of g.
import { registerGradient } from '../registry';

registerGradient('Trilu', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => [em.op1('Trilu', [g!, ...node.inputs.slice(1)], node.attributes)],
});
