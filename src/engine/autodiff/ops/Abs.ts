// y = |x|: dx = g sign(x).
import { registerGradient } from '../registry';

registerGradient('Abs', { backward: ({ node, dy: [g], em }) => [em.mul(g!, em.op1('Sign', [node.inputs[0]!]))] });
