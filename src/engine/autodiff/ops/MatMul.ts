// y = a @ b (numpy matmul, batched and broadcast): da = g @ bᵀ, db = aᵀ @ g, then broadcast
// undone. The common case of a 2-D weight b under a batched a is one Gemm over flattened rows,
// for both gradients: Gemm's transB reads b as it is, where MatMul(g, Transpose(b)) would make
// ONNX Runtime fold a transposed copy of every weight into the session.
import { unbroadcast } from '../broadcast';
import type { GradEmitter } from '../emitter';
import { int } from '../emitter';
import { registerGradient } from '../registry';

registerGradient('MatMul', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [a, b] = node.inputs as [string, string];
    const ra = em.info.rank(a);
    const rb = em.info.rank(b);
    if (ra === 1 && rb === 1) return [needsGrad(0) ? em.mul(g!, b) : undefined, needsGrad(1) ? em.mul(g!, a) : undefined];
    if (ra === 1) return vectorTimesMatrix(em, a, b, g!, needsGrad);
    if (rb === 1) return matrixTimesVector(em, a, b, g!, needsGrad);
    const y = node.outputs[0]!;
    let da: string | undefined;
    if (needsGrad(0)) {
      da =
        rb === 2 && ra !== undefined && ra >= 2
          ? reshapeRows(em, em.op1('Gemm', [flattenRows(em, g!), b], { transB: int(1) }), a, ra)
          : unbroadcast(em, em.op1('MatMul', [g!, em.transposeLast2(b)]), a, y, 2);
    }
    let db: string | undefined;
    if (needsGrad(1)) {
      db =
        rb === 2 && ra !== undefined && ra >= 2
          ? em.op1('Gemm', [flattenRows(em, a), flattenRows(em, g!)], { transA: int(1) })
          : unbroadcast(em, em.op1('MatMul', [em.transposeLast2(a), g!]), b, y, 2);
    }
    return [da, db];
  },
});

/** [prod(...), k] back to a's [..., k] (a 2-D a needs nothing). */
function reshapeRows(em: GradEmitter, rows: string, a: string, ra: number): string {
  return ra === 2 ? rows : em.reshapeLike(rows, a);
}

/** [..., k] → [prod(...), k]. */
function flattenRows(em: GradEmitter, x: string): string {
  return em.op1('Flatten', [x], { axis: int(-1) });
}

// a [k] @ b [..., k, n] = y [..., n]: da = Σ_batch b @ g, db = outer(a, g) per batch.
function vectorTimesMatrix(em: GradEmitter, a: string, b: string, g: string, needsGrad: (i: number) => boolean) {
  let da: string | undefined;
  if (needsGrad(0)) {
    const perBatch = em.op1('MatMul', [b, em.unsqueeze(g, [-1])]);
    const rows = em.op1('Reshape', [perBatch, em.op1('Concat', [em.intConst([-1]), em.shapeOf(a)], { axis: int(0) })]);
    da = em.reduceSum(rows, [0], false);
  }
  const db = needsGrad(1) ? em.op1('MatMul', [em.unsqueeze(a, [1]), em.unsqueeze(g, [-2])]) : undefined;
  return [da, db];
}

// a [..., m, k] @ b [k] = y [..., m]: treat b as [k, 1] and g as [..., m, 1].
function matrixTimesVector(em: GradEmitter, a: string, b: string, g: string, needsGrad: (i: number) => boolean) {
  const g2 = em.unsqueeze(g, [-1]);
  const da = needsGrad(0) ? em.op1('MatMul', [g2, em.unsqueeze(b, [0])]) : undefined;
  const db = needsGrad(1) ? em.reshapeLike(em.op1('Gemm', [flattenRows(em, a), flattenRows(em, g2)], { transA: int(1) }), b) : undefined;
  return [da, db];
}
