// The gradient is transposed by the inverse permutation (no perm = reversed axes, its own inverse).
import { attrInts } from '../attributes';
import { ints } from '../emitter';
import { registerGradient } from '../registry';

registerGradient('Transpose', {
  backward: ({ node, dy: [g], em }) => {
    const perm = attrInts(node, 'perm');
    if (!perm) return [em.op1('Transpose', [g!])];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [em.op1('Transpose', [g!], { perm: ints(inverse) })];
  },
});
