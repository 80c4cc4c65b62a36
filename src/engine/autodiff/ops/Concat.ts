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
    const sizes = extents.every((d) => d !== undefined)
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
