// AdamW against its definition in PyTorch (torch.optim.AdamW, the HF Trainer's optimizer),
// computed here by hand in float64 from the formulas, and the schedule and clipping helpers
// against the HF/PyTorch formulas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipGradientNorm, learningRateAt } from '../../../src/engine/tuning/finetune/schedule';
import { AdamW } from '../../../src/engine/tuning/optim/adamw';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** PyTorch's single-tensor AdamW, in float64, one coordinate. */
function reference(p: number, grads: number[], lrs: number[], o: { b1: number; b2: number; eps: number; wd: number }): number {
  let m = 0;
  let v = 0;
  grads.forEach((g, k) => {
    const t = k + 1;
    const lr = lrs[k]!;
    p *= 1 - lr * o.wd;
    m = o.b1 * m + (1 - o.b1) * g;
    v = o.b2 * v + (1 - o.b2) * g * g;
    const stepSize = lr / (1 - o.b1 ** t);
    const denom = Math.sqrt(v) / Math.sqrt(1 - o.b2 ** t) + o.eps;
    p -= (stepSize * m) / denom;
  });
  return p;
}

test('AdamW follows torch.optim.AdamW step by step: decoupled decay, bias corrections, a learning rate that changes every step', () => {
  const grads = [
    [0.3, -1.2, 0.05],
    [0.1, -0.8, -0.02],
    [-0.4, 0.5, 0.07],
    [0.2, 0.1, 0.01],
  ];
  const lrs = [0.01, 0.02, 0.015, 0.005];
  const start = [0.5, -0.25, 2];
  const p = Float32Array.from(start);
  const opt = new AdamW(3, { lr: 0.01, weightDecay: 0.1 });
  for (const [k, g] of grads.entries()) opt.step(p, g, lrs[k]);
  for (let i = 0; i < 3; i++) {
    close(p[i]!, reference(start[i]!, grads.map((g) => g[i]!), lrs, { b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1 }));
  }
  assert.equal(opt.stepsTaken, 4);
});

test('AdamW leaves segments marked without decay undecayed (biases and norm weights, as the HF Trainer)', () => {
  const p = Float32Array.from([1, 1, 1, 1]);
  const opt = new AdamW(4, { lr: 0.1, weightDecay: 0.5, segments: [{ offset: 0, size: 2, decay: true }, { offset: 2, size: 2, decay: false }] });
  opt.step(p, [0, 0, 0, 0]);
  // Zero gradient: only the decay moves a parameter, by the factor 1 − lr·λ.
  assert.deepEqual([...p], [...Float32Array.from([0.95, 0.95, 1, 1])]);
  assert.throws(() => new AdamW(4, { lr: 0.1, segments: [{ offset: 0, size: 3, decay: true }] }), /cover 3 values/);
});

test('AdamW restored from its state continues exactly like the uninterrupted optimizer', () => {
  const run = (split: boolean) => {
    const p = Float32Array.from([0.2, -0.4, 0.9]);
    let opt = new AdamW(3, { lr: 0.05 });
    for (let t = 0; t < 8; t++) {
      if (split && t === 5) {
        const { step } = opt.getState();
        const restored = new AdamW(3, { lr: 0.05 });
        restored.restore(step, Float32Array.from(opt.m), Float32Array.from(opt.v));
        opt = restored;
      }
      opt.step(p, [Math.sin(t), Math.cos(t), t / 10]);
    }
    return [...p];
  };
  assert.deepEqual(run(true), run(false));
  assert.throws(() => new AdamW(3, { lr: 1 }).setState({ kind: 'adam', step: 1, buffers: {} }), /'adam'/);
  assert.throws(() => new AdamW(3, { lr: 1 }).restore(1, new Float32Array(2), new Float32Array(2)), /do not match 3 parameters/);
});

test('the linear schedule warms up from 0 and decays to 0 as get_linear_schedule_with_warmup', () => {
  const o = { lr: 1, warmup: 4, total: 20, kind: 'linear' as const };
  assert.deepEqual([0, 1, 2, 3].map((s) => learningRateAt(s, o)), [0, 0.25, 0.5, 0.75]);
  assert.equal(learningRateAt(4, o), 1);
  close(learningRateAt(12, o), (20 - 12) / 16);
  assert.equal(learningRateAt(20, o), 0);
  assert.equal(learningRateAt(25, o), 0);
});

test('the cosine schedule is half a cosine after warm-up, and constant stays at the peak', () => {
  const o = { lr: 2, warmup: 2, total: 12, kind: 'cosine' as const };
  assert.equal(learningRateAt(1, o), 1);
  assert.equal(learningRateAt(2, o), 2);
  close(learningRateAt(7, o), 1); // halfway: 2 · ½(1 + cos(π/2))
  close(learningRateAt(12, o), 0);
  assert.equal(learningRateAt(9, { ...o, kind: 'constant' }), 2);
});

test('gradient clipping scales the whole vector to the maximum norm as clip_grad_norm_ and reports the norm before', () => {
  const g = Float32Array.from([3, 4]);
  assert.equal(clipGradientNorm(g, 1), 5);
  close(g[0]!, 3 / (5 + 1e-6));
  close(g[1]!, 4 / (5 + 1e-6));
  const small = Float32Array.from([0.3, 0.4]);
  clipGradientNorm(small, 1);
  assert.deepEqual([...small], [...Float32Array.from([0.3, 0.4])]);
  const off = Float32Array.from([30, 40]);
  clipGradientNorm(off, 0);
  assert.deepEqual([...off], [30, 40]);
});
