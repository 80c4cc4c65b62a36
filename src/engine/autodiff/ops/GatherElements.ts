// y[i][j] = x[idx[i][j]][j] (along axis): scatter-add g back (needs opset 16's reduction).
import { attrInt } from '../attributes';
import { int } from '../emitter';
import { AutodiffError, describeNode } from '../errors';
import { registerGradient } from '../registry';

registerGradient('GatherElements', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    if (em.opset < 16) throw new AutodiffError(`${describeNode(node)}: the gradient of GatherElements needs opset 16 or newer`);
    const [x, idx] = node.inputs as [string, string];
    const attrs = { axis: int(attrInt(node, 'axis', 0)), reduction: { type: 'string' as const, value: 'add' } };
    return [em.op1('ScatterElements', [em.zerosLike(x), idx, g!], attrs)];
  },
});
