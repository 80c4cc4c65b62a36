// Reshape only rearranges the shape: reshape the gradient back to the input's shape.
import { registerGradient } from '../registry';

registerGradient('Reshape', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => [em.reshapeLike(g!, node.inputs[0]!)],
});
