// The gradient is scattered back into zeros at the sliced positions. The positions come from
// slicing a tensor of flat indices with the node's own starts/ends/axes/steps, so negative,
// clamped and strided slices all map exactly.
import { registerGradient } from '../registry';

registerGradient('Slice', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const x = node.inputs[0]!;
    const count = em.op1('Size', [x]);
    const flat = em.op1('Range', [em.intConst([0], []), count, em.intConst([1], [])]);
    const positions = em.op1('Slice', [em.reshapeLike(flat, x), ...node.inputs.slice(1)]);
    const zeros = em.op1('ConstantOfShape', [em.unsqueeze(count, [0])], {
      value: { type: 'tensor', value: { name: 'value', dataType: em.floatType, dims: [1], data: em.floatType === 'float32' ? new Float32Array(1) : new Float64Array(1) } },
    });
    const scattered = em.op1('ScatterND', [
      zeros,
      em.op1('Reshape', [positions, em.intConst([-1, 1])]),
      em.op1('Reshape', [g!, em.intConst([-1])]),
    ]);
    return [em.reshapeLike(scattered, x)];
  },
});
