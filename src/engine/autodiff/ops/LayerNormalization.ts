// y = (x - mean) / √(var + ε) · scale + bias over the axes from `axis` on. With x̂ the
// normalized input and h = g · scale: dx = (h - mean(h) - x̂ · mean(h x̂)) / √(var + ε).
import { attrFloat, attrInt } from '../attributes';
import { unbroadcast } from '../broadcast';
import { AutodiffError, describeNode } from '../errors';
import { registerGradient } from '../registry';

registerGradient('LayerNormalization', {
  differentiableInputs: () => [0, 1, 2],
  backward: ({ node, dy, needsGrad, em }) => {
    if (dy[1] || dy[2]) throw new AutodiffError(`${describeNode(node)}: gradients through the Mean/InvStdDev outputs are not supported`);
    const g = dy[0]!;
    const [x, scale, bias] = node.inputs as [string, string, string | undefined];
    const y = node.outputs[0]!;
    const axis = attrInt(node, 'axis', -1);
    const rank = em.info.rank(x);
    if (axis >= 0 && rank === undefined) throw new AutodiffError(`${describeNode(node)}: axis ${axis} needs the rank of ${x}`);
    const axes = axis < 0 ? Array.from({ length: -axis }, (_, i) => axis + i) : Array.from({ length: rank! - axis }, (_, i) => axis + i);
    const centered = em.op1('Sub', [x, em.reduceMean(x, axes, true)]);
    const variance = em.reduceMean(em.mul(centered, centered), axes, true);
    const invStd = em.op1('Reciprocal', [em.op1('Sqrt', [em.op1('Add', [variance, em.floatConst(attrFloat(node, 'epsilon', 1e-5))])])]);
    const xHat = em.mul(centered, invStd);
    let dx: string | undefined;
    if (needsGrad(0)) {
      const h = em.mul(g, scale);
      const inner = em.op1('Sub', [em.op1('Sub', [h, em.reduceMean(h, axes, true)]), em.mul(xHat, em.reduceMean(em.mul(h, xHat), axes, true))]);
      dx = em.mul(inner, invStd);
    }
    const dScale = needsGrad(1) ? unbroadcast(em, em.mul(g, xHat), scale, y) : undefined;
    const dBias = bias && needsGrad(2) ? unbroadcast(em, g, bias, y) : undefined;
    return [dx, dScale, dBias];
  },
});
