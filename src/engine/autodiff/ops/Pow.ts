// y = x ^ e: dx = g * e * x^(e-1); de = g * y * ln x. A constant scalar exponent (x², x^0.5,
// the RMSNorm and GELU cases) folds e-1 at build time.
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Pow', {
  backward: ({ node, dy: [g], needsGrad, em }) => {
    const [x, e] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    let dx: string | undefined;
    if (needsGrad(0)) {
      const c = em.info.constNumbers(e);
      let local: string;
      if (c && c.length === 1) {
        const k = c[0]!;
        local = k === 1 ? g! : k === 2 ? em.mul(g!, em.mul(x, em.floatConst(2))) : em.mul(g!, em.mul(em.floatConst(k), em.op1('Pow', [x, em.floatConst(k - 1)])));
      } else {
        const ex = em.castLike(e, x);
        local = em.mul(g!, em.mul(ex, em.op1('Pow', [x, em.op1('Sub', [ex, em.floatConst(1)])])));
      }
      dx = unbroadcast(em, local, x, y);
    }
    const de = needsGrad(1) ? unbroadcast(em, em.mul(g!, em.mul(y, em.op1('Log', [x]))), e, y) : undefined;
    return [dx, de];
  },
});
