// AdamW (Loshchilov & Hutter 2019) with PyTorch's torch.optim.AdamW semantics, as the HF Trainer
// uses it: the decay is decoupled from the gradient (p ← p·(1 − lr·λ) before the Adam step), the
// moments are float32, and the bias corrections follow PyTorch's formula:
//   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
// The learning rate may change every step (schedules); segments without decay (biases, norm
// weights, as HF's Trainer excludes them) are given as ranges of the flat parameter vector.
import { checkLengths, type Optimizer, type OptimizerState } from './optimizer';

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** λ, PyTorch's default 0.01. */
  weightDecay?: number;
  /** Ranges of the parameter vector and whether λ applies to each; default: all decay. */
  segments?: readonly { offset: number; size: number; decay: boolean }[];
}

export class AdamW implements Optimizer {
  readonly kind = 'adamw';
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly segments: readonly { offset: number; size: number; decay: boolean }[];
  private t = 0;
  /** First and second moments, float32 as in PyTorch (and half the memory of float64). */
  readonly m: Float32Array;
  readonly v: Float32Array;

  constructor(
    readonly size: number,
    options: AdamWOptions,
  ) {
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.segments = options.segments ?? [{ offset: 0, size, decay: true }];
    const covered = this.segments.reduce((s, g) => s + g.size, 0);
    if (covered !== size) throw new Error(`adamw: the segments cover ${covered} values, the parameters have ${size}`);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  get stepsTaken(): number {
    return this.t;
  }

  /** One update in place; `lr` (when given) becomes the learning rate from this step on. */
  step(params: Float32Array | Float64Array, grad: ArrayLike<number>, lr?: number): void {
    checkLengths('adamw', params, grad);
    checkLengths('adamw', this.m, grad);
    if (lr !== undefined) this.lr = lr;
    this.t++;
    const { beta1, beta2, eps, m, v } = this;
    const stepSize = this.lr / (1 - beta1 ** this.t);
    const c2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    for (const seg of this.segments) {
      const shrink = seg.decay ? 1 - this.lr * this.weightDecay : 1;
      const end = seg.offset + seg.size;
      for (let i = seg.offset; i < end; i++) {
        const g = grad[i]!;
        m[i] = m[i]! + (1 - beta1) * (g - m[i]!);
        v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
        // The update reads the stored float32 moments, as PyTorch does.
        params[i] = params[i]! * shrink - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / c2Sqrt + eps);
      }
    }
  }

  getState(): OptimizerState {
    return { kind: this.kind, step: this.t, buffers: { m: Float64Array.from(this.m), v: Float64Array.from(this.v) } };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new Error(`adamw: cannot restore a '${state.kind}' optimizer state`);
    this.restore(state.step, state.buffers.m, state.buffers.v);
  }

  /** Restores step and moments from float32 or float64 arrays (checkpoints keep float32). */
  restore(step: number, m: ArrayLike<number> | undefined, v: ArrayLike<number> | undefined): void {
    if (!m || !v || m.length !== this.size || v.length !== this.size) throw new Error(`adamw: saved moments do not match ${this.size} parameters`);
    if (!Number.isInteger(step) || step < 0) throw new Error(`adamw: bad saved step ${step}`);
    this.t = step;
    this.m.set(m);
    this.v.set(v);
  }
}
