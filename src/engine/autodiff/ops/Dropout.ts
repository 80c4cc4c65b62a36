// Dropout at inference is the identity; with a mask output the gradient is masked the same way.
import { registerGradient } from '../registry';

registerGradient('Dropout', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const mask = node.outputs[1];
    return [mask ? em.mul(g!, em.castLike(mask, g!)) : g];
  },
});
