// y = ln x: dx = g / x.
import { registerGradient } from '../registry';

registerGradient('Log', { backward: ({ node, dy: [g], em }) => [em.op1('Div', [g!, node.inputs[0]!])] });
