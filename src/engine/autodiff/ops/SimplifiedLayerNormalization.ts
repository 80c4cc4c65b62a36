// RMSNorm as ONNX Runtime's SimplifiedLayerNormalization: y = x / √(mean(x²) + ε) · scale.
// With x̂ = x / rms and h = g · scale: dx = (h - x̂ · mean(h x̂)) / rms.
import { attrFloat, attrInt } from '../attributes';
import { unbroadcast } from '../broadcast';
import { AutodiffError, describeNode } from '../errors';
import { registerGradient } from '../registry';

registerGradient('SimplifiedLayerNormalization', {
  differentiableInputs: () => [0, 1],
  backward: ({ node, dy, needsGrad, em }) => {
    if (dy[1]) throw new AutodiffError(`${describeNode(node)}: gradients through the InvStdDev output are not supported`);
    const g = dy[0]!;
    const [x, scale] = node.inputs as [string, string];
    const axis = attrInt(node, 'axis', -1);
    const rank = em.info.rank(x);
    if (axis >= 0 && rank === undefined) throw new AutodiffError(`${describeNode(node)}: axis ${axis} needs the rank of ${x}`);
    const axes = axis < 0 ? Array.from({ length: -axis }, (_, i) => axis + i) : Array.from({ length: rank! - axis }, (_, i) => axis + i);
    const meanSquare = em.reduceMean(em.mul(x, x), axes, true);
    const invRms = em.op1('Reciprocal', [em.op1('Sqrt', [em.op1('Add', [meanSquare, em.floatConst(attrFloat(node, 'epsilon', 1e-5))])])]);
    const xHat = em.mul(x, invRms);
    let dx: string | undefined;
    if (needsGrad(0)) {
      const h = em.mul(g, scale);
      dx = em.mul(em.op1('Sub', [h, em.mul(xHat, em.reduceMean(em.mul(h, xHat), axes, true))]), invRms);
    }
    const dScale = needsGrad(1) ? unbroadcast(em, em.mul(g, xHat), scale, node.outputs[0]!) : undefined;
    return [dx, dScale];
  },
});
