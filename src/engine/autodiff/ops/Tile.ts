// y = x tiled `repeats` times per axis. Viewing g as [r0, d0, r1, d1, …] (interleaving repeats
// and x's dims), dx is the sum over the r axes.
import { int } from '../emitter';
import { AutodiffError, describeNode } from '../errors';
import { registerGradient } from '../registry';

registerGradient('Tile', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const [x, repeats] = node.inputs as [string, string];
    const rank = em.info.rank(x);
    if (rank === undefined) throw new AutodiffError(`${describeNode(node)}: Tile's gradient needs the rank of ${x}`);
    const pairs = em.op1('Concat', [em.unsqueeze(repeats, [1]), em.unsqueeze(em.shapeOf(x), [1])], { axis: int(1) });
    const split = em.op1('Reshape', [g!, em.op1('Reshape', [pairs, em.intConst([-1])])]);
    const repeatAxes = Array.from({ length: rank }, (_, i) => 2 * i);
    return [em.reduceSum(split, repeatAxes, false)];
  },
});
