// Adam (Kingma & Ba 2015) with bias correction, as torch.optim.Adam without weight decay:
// p ← p − lr · m̂ / (√v̂ + eps), m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t).
import { checkLengths, copyBuffers, type Optimizer, type OptimizerState } from './optimizer';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class Adam implements Optimizer {
  readonly kind = 'adam';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private t = 0;
  private m: Float64Array;
  private v: Float64Array;

  constructor(size: number, options: AdamOptions) {
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  step(params: Float32Array | Float64Array, grad: ArrayLike<number>): void {
    checkLengths('adam', params, grad);
    checkLengths('adam', this.m, grad);
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * g;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * g * g;
      const mHat = this.m[i]! / c1;
      const vHat = this.v[i]! / c2;
      params[i] = params[i]! - (this.lr * mHat) / (Math.sqrt(vHat) + this.eps);
    }
  }

  getState(): OptimizerState {
    return { kind: this.kind, step: this.t, buffers: copyBuffers({ m: this.m, v: this.v }) };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new Error(`adam: cannot restore a '${state.kind}' optimizer state`);
    const { m, v } = state.buffers;
    if (!m || !v || m.length !== this.m.length || v.length !== this.v.length) {
      throw new Error(`adam: saved moments do not match ${this.m.length} parameters`);
    }
    this.t = state.step;
    this.m = Float64Array.from(m);
    this.v = Float64Array.from(v);
  }
}
