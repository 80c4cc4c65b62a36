// y = cos x: dx = -g sin x.
import { registerGradient } from '../registry';

registerGradient('Cos', { backward: ({ node, dy: [g], em }) => [em.neg(em.mul(g!, em.op1('Sin', [node.inputs[0]!])))] });
