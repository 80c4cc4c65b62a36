// y = clip(x, min, max): the gradient passes where x lies inside [min, max]. The bounds
// (optional inputs since opset 11) get none.
import { registerGradient } from '../registry';

registerGradient('Clip', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const [x, min, max] = node.inputs;
    const conditions: string[] = [];
    if (min) conditions.push(em.op1('GreaterOrEqual', [x!, min]));
    if (max) conditions.push(em.op1('LessOrEqual', [x!, max]));
    if (conditions.length === 0) return [g];
    const inside = conditions.length === 2 ? em.op1('And', conditions) : conditions[0]!;
    return [em.op1('Where', [inside, g!, em.floatConst(0)])];
  },
});
