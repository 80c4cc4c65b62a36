// CastLike(x, like): like the float-to-float Cast; the target only gives the type.
import { registerGradient } from '../registry';

registerGradient('CastLike', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => [em.castLike(g!, node.inputs[0]!)],
});
