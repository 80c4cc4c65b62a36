// The gradient is split back into the pieces, sized by each input's extent along the axis.
import { attrInt } from '../attributes';
import { int } from '../emitter';
import { registerGradient } from '../registry';
import { normAxis } from '../shapeInference';

registerGradient('Concat', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const axis = attrInt(node, 'axis', 0);
    const extents = node.inputs.map((x) => {
      const shape = em.info.shape(x);
      const d = shape?.[normAxis(axis, shape.length)];
      return typeof d === 'number' ? d : undefined;
    });
    const known = extents.every((d) => d !== undefined);
    if (known && !node.inputs.every((_, i) => needsGrad(i))) {
      // Slice out only the pieces that need a gradient (e.g. a soft prompt concatenated to a
      // large frozen embedding table), instead of copying every piece with Split.
      let offset = 0;
      return (extents as number[]).map((d, i) => {
        const start = offset;
        offset += d;
        return needsGrad(i) ? em.op1('Slice', [g!, em.intConst([start]), em.intConst([start + d]), em.intConst([axis])]) : undefined;
      });
    }
    const sizes = known
      ? em.intConst(extents as number[])
      : em.op1(
          'Concat',
          node.inputs.map((x) => em.op1('Gather', [em.shapeOf(x), em.intConst([axis])])),
          { axis: int(0) },
        );
    const parts = em.op('Split', [g!, sizes], { axis: int(axis) }, node.inputs.length);
    return parts.map((p, i) => (needsGrad(i) ? p : undefined));
  },
});
