// y = eˣ: dx = g y.
import { registerGradient } from '../registry';

registerGradient('Exp', { backward: ({ node, dy: [g], em }) => [em.mul(g!, node.outputs[0]!)] });
