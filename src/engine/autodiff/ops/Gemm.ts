// y = alpha · op(a) @ op(b) + beta · c, op = optional transpose. Each input gradient is again
// one Gemm with the transposes chosen so no explicit Transpose node is needed.
import { attrFloat, attrInt } from '../attributes';
import { float, int } from '../emitter';
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Gemm', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [a, b, c] = node.inputs as [string, string, string | undefined];
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const tA = attrInt(node, 'transA', 0) === 1;
    const tB = attrInt(node, 'transB', 0) === 1;
    const gemm = (p: string, q: string, transP: boolean, transQ: boolean) =>
      em.op1('Gemm', [p, q], { alpha: float(alpha), transA: int(transP ? 1 : 0), transB: int(transQ ? 1 : 0) });
    // da = g @ op(b)ᵀ (or its transpose when a is transposed); db likewise.
    const da = needsGrad(0) ? (tA ? gemm(b, g!, tB, true) : gemm(g!, b, false, !tB)) : undefined;
    const db = needsGrad(1) ? (tB ? gemm(g!, a, true, tA) : gemm(a, g!, !tA, false)) : undefined;
    let dc: string | undefined;
    if (c && needsGrad(2)) dc = unbroadcast(em, beta === 1 ? g! : em.mul(g!, em.floatConst(beta)), c, node.outputs[0]!);
    return [da, db, dc];
  },
});
