// Gelu (opset 20). Exact: y = x Φ(x), dx = g (Φ(x) + x φ(x)).
// approximate="tanh": y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³),
// dx = g (½(1 + t) + ½x(1 - t²) √(2/π)(1 + 3·0.044715x²)).
import { registerGradient } from '../registry';

registerGradient('Gelu', {
  backward: ({ node, dy: [g], em }) => {
    const x = node.inputs[0]!;
    const approximate = node.attributes['approximate'];
    const tanhForm = approximate?.type === 'string' && approximate.value === 'tanh';
    const c = (v: number) => em.floatConst(v);
    const add = (a: string, b: string) => em.op1('Add', [a, b]);
    const x2 = em.mul(x, x);
    let local: string;
    if (tanhForm) {
      const k = Math.sqrt(2 / Math.PI);
      const t = em.op1('Tanh', [em.mul(em.mul(x, add(c(1), em.mul(x2, c(0.044715)))), c(k))]);
      const left = em.mul(add(c(1), t), c(0.5));
      const sech2 = em.op1('Sub', [c(1), em.mul(t, t)]);
      const right = em.mul(em.mul(em.mul(x, sech2), c(0.5 * k)), add(c(1), em.mul(x2, c(3 * 0.044715))));
      local = add(left, right);
    } else {
      const cdf = em.mul(add(c(1), em.op1('Erf', [em.mul(x, c(Math.SQRT1_2))])), c(0.5));
      const pdf = em.mul(em.op1('Exp', [em.mul(x2, c(-0.5))]), c(1 / Math.sqrt(2 * Math.PI)));
      local = add(cdf, em.mul(x, pdf));
    }
    return [em.mul(g!, local)];
  },
});
