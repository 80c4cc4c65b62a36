// y = ln(1 + eˣ): dx = g σ(x).
import { registerGradient } from '../registry';

registerGradient('Softplus', { backward: ({ node, dy: [g], em }) => [em.mul(g!, em.op1('Sigmoid', [node.inputs[0]!]))] });
