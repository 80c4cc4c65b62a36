// The gradient of a slice is g placed back at the sliced positions, zeros elsewhere.
// Unit steps: one Pad, with the pads computed at run time from the clamped starts/ends.
// Other steps: a tensor of flat indices is sliced with the node's own inputs, and g is
// scattered there, so negative, clamped and strided slices all map exactly.
import type { GradEmitter } from '../emitter';
import { int } from '../emitter';
import { registerGradient } from '../registry';
import { normAxis } from '../shapeInference';

registerGradient('Slice', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => [padBack(em, node.inputs, g!) ?? scatterBack(em, node.inputs, g!)],
});

function padBack(em: GradEmitter, inputs: string[], g: string): string | undefined {
  const [x, starts, ends, axesInput, stepsInput] = inputs as [string, string, string, string?, string?];
  const rank = em.info.rank(x);
  const steps = stepsInput ? em.info.constNumbers(stepsInput) : undefined;
  if (rank === undefined || (stepsInput && !steps?.every((s) => s === 1))) return undefined;
  const count = em.info.constNumbers(starts)?.length ?? em.info.shape(starts)?.[0];
  const axesConst = axesInput ? em.info.constNumbers(axesInput) : typeof count === 'number' ? Array.from({ length: count }, (_, i) => i) : undefined;
  if (!axesConst) return undefined;
  const axes = axesConst.map((a) => normAxis(a, rank));
  const i64 = (t: string) => em.op1('Cast', [t], { to: int(7) });
  const dims = em.op1('Gather', [em.shapeOf(x), em.intConst(axes)]);
  const zero = em.intConst([0], []);
  // Python-style: negative counts from the end, then clamp into [0, dim].
  const clamp = (t: string) => {
    const v = i64(t);
    const wrapped = em.op1('Where', [em.op1('Less', [v, zero]), em.op1('Add', [v, dims]), v]);
    return em.op1('Max', [em.op1('Min', [wrapped, dims]), zero]);
  };
  const begin = clamp(starts);
  const end = em.op1('Max', [clamp(ends), begin]);
  const padEnd = em.op1('Sub', [dims, end]);
  const positions = em.intConst([...axes, ...axes.map((a) => a + rank)]);
  const pads = em.op1('ScatterElements', [em.intConst(new Array<number>(2 * rank).fill(0)), positions, em.op1('Concat', [begin, padEnd], { axis: int(0) })]);
  return em.op1('Pad', [g, pads]);
}

function scatterBack(em: GradEmitter, inputs: string[], g: string): string {
  const x = inputs[0]!;
  const count = em.op1('Size', [x]);
  const flat = em.op1('Range', [em.intConst([0], []), count, em.intConst([1], [])]);
  const positions = em.op1('Slice', [em.reshapeLike(flat, x), ...inputs.slice(1)]);
  const zeros = em.op1('ConstantOfShape', [em.unsqueeze(count, [0])], {
    value: { type: 'tensor', value: { name: 'value', dataType: em.floatType, dims: [1], data: em.floatType === 'float32' ? new Float32Array(1) : new Float64Array(1) } },
  });
  const scattered = em.op1('ScatterND', [zeros, em.op1('Reshape', [positions, em.intConst([-1, 1])]), em.op1('Reshape', [g, em.intConst([-1])])]);
  return em.reshapeLike(scattered, x);
}
