import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adafactor } from '../../../src/engine/tuning/optim/adafactor';
import { Adam } from '../../../src/engine/tuning/optim/adam';
import { CmaEs } from '../../../src/engine/tuning/optim/cmaes';
import { Rng } from '../../../src/engine/tuning/optim/rng';
import { symmetricEigen } from '../../../src/engine/tuning/optim/symmetricEigen';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('Adam: first step is lr·g/(|g|+eps) (bias-corrected), second step by hand', () => {
  const p = Float64Array.from([1, -2, 0.5]);
  const g = [0.1, -0.4, 0];
  const adam = new Adam(3, { lr: 0.1 });
  adam.step(p, g);
  close(p[0]!, 1 - (0.1 * 0.1) / (0.1 + 1e-8));
  close(p[1]!, -2 + (0.1 * 0.4) / (0.4 + 1e-8));
  close(p[2]!, 0.5);
  // Step 2 with g2: m = .9·.1·g1 + .1·g2 …, by hand for coordinate 0.
  const g2 = [0.3, -0.4, 0];
  const before = p[0]!;
  adam.step(p, g2);
  const m = 0.9 * 0.1 * 0.1 + 0.1 * 0.3;
  const v = 0.999 * 0.001 * 0.01 + 0.001 * 0.09;
  const mHat = m / (1 - 0.9 ** 2);
  const vHat = v / (1 - 0.999 ** 2);
  close(p[0]!, before - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8));
});

test('Adam: state round-trips and resumed steps equal uninterrupted ones', () => {
  const run = (split: boolean) => {
    const p = Float32Array.from([0.2, 0.4]);
    let adam = new Adam(2, { lr: 0.05 });
    for (let t = 0; t < 6; t++) {
      if (split && t === 3) {
        const state = adam.getState();
        adam = new Adam(2, { lr: 0.05 });
        adam.setState(state);
      }
      adam.step(p, [Math.sin(t), Math.cos(t)]);
    }
    return [...p];
  };
  assert.deepEqual(run(true), run(false));
  assert.throws(() => new Adam(2, { lr: 1 }).setState({ kind: 'adafactor', step: 1, buffers: {} }), /adafactor/);
});

test('Adafactor: factored first step by hand (β2_1 = 0, so v̂_ij = r_i c_j / mean r), then RMS clipping', () => {
  const g = [1, 2, 3, 4]; // 2×2
  const p = new Float64Array(4);
  const opt = new Adafactor([2, 2], { lr: 0.3 });
  opt.step(p, g);
  const g2 = g.map((x) => x * x + 1e-30);
  const r = [(g2[0]! + g2[1]!) / 2, (g2[2]! + g2[3]!) / 2];
  const c = [(g2[0]! + g2[2]!) / 2, (g2[1]! + g2[3]!) / 2];
  const rMean = (r[0]! + r[1]!) / 2;
  const u = g.map((x, k) => x / Math.sqrt((r[Math.floor(k / 2)]! * c[k % 2]!) / rMean));
  const rms = Math.sqrt(u.reduce((a, b) => a + b * b, 0) / 4);
  const scale = 0.3 / Math.max(1, rms);
  for (let k = 0; k < 4; k++) close(p[k]!, -scale * u[k]!, 1e-12);
  // Step 2: β2 = 1 − 2^−0.8, unfactored variant for a vector, by hand.
  const q = new Float64Array(2);
  const vec = new Adafactor([2], { lr: 0.3 });
  vec.step(q, [0.5, -0.25]);
  close(q[0]!, -0.3 * (0.5 / Math.sqrt(0.25 + 1e-30)), 1e-12);
  const q0 = q[0]!;
  vec.step(q, [0.1, 0.1]);
  const b2 = 1 - 2 ** -0.8;
  const v0 = b2 * (0.25 + 1e-30) + (1 - b2) * 0.01;
  const v1 = b2 * (0.0625 + 1e-30) + (1 - b2) * 0.01;
  const u2 = [0.1 / Math.sqrt(v0), 0.1 / Math.sqrt(v1)];
  const rms2 = Math.sqrt((u2[0]! ** 2 + u2[1]! ** 2) / 2);
  close(q[0]!, q0 - (0.3 / Math.max(1, rms2)) * u2[0]!, 1e-12);
});

test('Rng: seeded, restorable, roughly standard normal', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  assert.equal(a.uniform(), b.uniform());
  const saved = a.state();
  const next = a.normal();
  assert.equal(new Rng(saved).normal(), next);
  const xs = Array.from({ length: 20000 }, () => b.normal());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean} var ${variance}`);
  assert.notEqual(new Rng(8).uniform(), new Rng(7).uniform());
});

test('symmetricEigen: A v = λ v and orthonormal vectors on a random symmetric matrix', () => {
  const n = 12;
  const rng = new Rng(3);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  const { values, vectors } = symmetricEigen(a, n);
  for (let k = 0; k < n; k++) {
    if (k > 0) assert.ok(values[k]! >= values[k - 1]!);
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + k]!;
      close(av, values[k]! * vectors[i * n + k]!, 1e-10);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += vectors[i * n + k]! ** 2;
    close(norm, 1, 1e-10);
  }
});

function minimise(f: (x: Float64Array) => number, n: number, generations: number, sigma0: number) {
  const es = new CmaEs(new Float64Array(n).fill(0.5), { popsize: 20, sigma0, seed: 1 });
  let best = Infinity;
  for (let g = 0; g < generations; g++) {
    const xs = es.ask();
    const fs = xs.map(f);
    best = Math.min(best, ...fs);
    es.tell(xs, fs);
  }
  return { best, es };
}

test('CMA-ES (λ=20) minimises the 10-d sphere', () => {
  const sphere = (x: Float64Array) => x.reduce((s, v) => s + (v - 1) ** 2, 0);
  const { best, es } = minimise(sphere, 10, 150, 0.5);
  assert.ok(best < 1e-10, `sphere best ${best}`);
  assert.ok(es.mean.every((v) => Math.abs(v - 1) < 1e-4));
});

test('CMA-ES (λ=20) minimises the 10-d Rosenbrock function', () => {
  const rosen = (x: Float64Array) => {
    let s = 0;
    for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
    return s;
  };
  const { best } = minimise(rosen, 10, 600, 0.3);
  assert.ok(best < 1e-6, `rosenbrock best ${best}`);
});

test('CMA-ES: a restored state continues exactly like the original', () => {
  const f = (x: Float64Array) => x.reduce((s, v, i) => s + (i + 1) * v * v, 0);
  const a = new CmaEs(new Float64Array(5).fill(1), { popsize: 20, sigma0: 0.5, seed: 4 });
  for (let g = 0; g < 5; g++) {
    const xs = a.ask();
    a.tell(xs, xs.map(f));
  }
  const b = new CmaEs(new Float64Array(5), { popsize: 20, sigma0: 9, seed: 99 });
  b.setState(a.getState());
  const xa = a.ask();
  const xb = b.ask();
  assert.deepEqual(xa, xb);
});

test('Adafactor: a restored state continues exactly like the original (factored and not)', () => {
  for (const shape of [[2, 3], [6]]) {
    const run = (split: boolean) => {
      const p = Float32Array.from([0.1, 0.2, 0.3, -0.1, -0.2, 0.5]);
      let opt = new Adafactor(shape, { lr: 0.3 });
      for (let t = 0; t < 5; t++) {
        if (split && t === 2) {
          const state = opt.getState();
          opt = new Adafactor(shape, { lr: 0.3 });
          opt.setState(state);
        }
        opt.step(p, [Math.sin(t), Math.cos(t), t / 5, -1, 0.5, Math.sin(2 * t)]);
      }
      return [...p];
    };
    assert.deepEqual(run(true), run(false));
  }
  assert.throws(() => new Adafactor([2, 3]).setState(new Adafactor([6]).getState()), /do not match/);
});
