// y = sin x: dx = g cos x.
import { registerGradient } from '../registry';

registerGradient('Sin', { backward: ({ node, dy: [g], em }) => [em.mul(g!, em.op1('Cos', [node.inputs[0]!]))] });
