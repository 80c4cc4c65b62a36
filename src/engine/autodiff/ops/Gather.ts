// y = data gathered at indices along axis: the gradient is scatter-added back (rows picked
// several times, like repeated tokens of an embedding lookup, add up). Opset 16+ uses
// ScatterND's add reduction; older opsets a one-hot matrix product.
import { attrInt } from '../attributes';
import type { GradEmitter } from '../emitter';
import { int, ints } from '../emitter';
import { AutodiffError, describeNode } from '../errors';
import { registerGradient } from '../registry';
import { normAxis } from '../shapeInference';

registerGradient('Gather', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => {
    const [data, indices] = node.inputs as [string, string];
    const axisAttr = attrInt(node, 'axis', 0);
    if (axisAttr === 0) return [scatterRows(em, data, nonNegative(em, indices, data, 0), g!)];
    const rank = em.info.rank(data);
    const idxRank = em.info.rank(indices);
    if (rank === undefined || idxRank === undefined) {
      throw new AutodiffError(`${describeNode(node)}: Gather along axis ${axisAttr} needs the ranks of ${data} and ${indices}`);
    }
    const axis = normAxis(axisAttr, rank);
    // Bring the gathered axis to the front, scatter rows, and move it back.
    const gRank = rank - 1 + idxRank;
    const idxAxes = Array.from({ length: idxRank }, (_, i) => axis + i);
    const rest = Array.from({ length: gRank }, (_, i) => i).filter((i) => i < axis || i >= axis + idxRank);
    const gFront = em.op1('Transpose', [g!], { perm: ints([...idxAxes, ...rest]) });
    const toFront = [axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)];
    const dataFront = em.op1('Transpose', [data], { perm: ints(toFront) });
    const scattered = scatterRows(em, dataFront, nonNegative(em, indices, data, axis), gFront);
    const back = new Array<number>(rank);
    toFront.forEach((p, i) => {
      back[p] = i;
    });
    return [em.op1('Transpose', [scattered], { perm: ints(back) })];
  },
});

/** Indices as int64 with negatives counted from the end of the axis. */
function nonNegative(em: GradEmitter, indices: string, data: string, axis: number): string {
  const idx = em.op1('Cast', [indices], { to: int(7) });
  const known = em.info.constNumbers(indices);
  if (known?.every((v) => v >= 0)) return idx;
  const extent = em.op1('Gather', [em.shapeOf(data), em.intConst([axis], [])]);
  return em.op1('Where', [em.op1('Less', [idx, em.intConst([0], [])]), em.op1('Add', [idx, extent]), idx]);
}

/** zeros shaped like `like`, plus g's slices added at rows idx (of the first axis). */
function scatterRows(em: GradEmitter, like: string, idx: string, g: string): string {
  if (em.opset >= 16) {
    return em.op1('ScatterND', [em.zerosLike(like), em.unsqueeze(idx, [-1]), g], { reduction: { type: 'string', value: 'add' } });
  }
  const rows = em.op1('Gather', [em.shapeOf(like), em.intConst([0], [])]);
  // One-hot rows from a comparison (ORT's OneHot has no double kernel): [N, 1] == [V].
  const flatIdx = em.op1('Reshape', [idx, em.intConst([-1, 1])]);
  const oneHot = em.castLike(em.op1('Equal', [flatIdx, em.op1('Range', [em.intConst([0], []), rows, em.intConst([1], [])])]), g);
  const count = em.unsqueeze(em.op1('Size', [idx]), [0]);
  const flatG = em.op1('Reshape', [g, em.op1('Concat', [count, em.intConst([-1])], { axis: int(0) })]);
  const flatOut = em.op1('Gemm', [oneHot, flatG], { transA: int(1) });
  return em.reshapeLike(flatOut, like);
}
