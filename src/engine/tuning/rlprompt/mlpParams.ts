// The policy MLP's weights as ONE flat float32 vector with named views (mlp.0.weight, …), so
// Adam, gradient clipping, Polyak averaging and checkpoints treat them as one parameter vector.
import type { Rng } from '../optim/rng';
import { MLP_PARAMS, type MlpParamName, mlpShapes } from './policyHead';

export class MlpParams {
  readonly flat: Float32Array;
  readonly views: Record<MlpParamName, Float32Array>;
  readonly shapes: Record<MlpParamName, number[]>;

  constructor(
    readonly hidden: number,
    readonly mlpHidden: number,
    flat?: Float32Array,
  ) {
    this.shapes = mlpShapes(hidden, mlpHidden);
    const sizes = MLP_PARAMS.map((n) => this.shapes[n].reduce((a, x) => a * x, 1));
    const total = sizes.reduce((a, x) => a + x, 0);
    if (flat && flat.length !== total) throw new Error(`policy MLP ${hidden}→${mlpHidden}→${hidden}: expected ${total} values, got ${flat.length}`);
    this.flat = flat ?? new Float32Array(total);
    let offset = 0;
    const views = {} as Record<MlpParamName, Float32Array>;
    MLP_PARAMS.forEach((name, i) => {
      views[name] = this.flat.subarray(offset, offset + sizes[i]!);
      offset += sizes[i]!;
    });
    this.views = views;
  }

  clone(): MlpParams {
    return new MlpParams(this.hidden, this.mlpHidden, Float32Array.from(this.flat));
  }

  /** Named tensors (e.g. from reference-rlprompt-mlp.safetensors), checked against the shapes. */
  static fromTensors(hidden: number, mlpHidden: number, tensors: Record<string, ArrayLike<number>>): MlpParams {
    const p = new MlpParams(hidden, mlpHidden);
    for (const name of MLP_PARAMS) {
      const t = tensors[name];
      if (!t || t.length !== p.views[name].length) throw new Error(`policy MLP: tensor '${name}' needs ${p.views[name].length} values (shape [${p.shapes[name].join(', ')}]), got ${t?.length ?? 'none'}`);
      p.views[name].set(t);
    }
    return p;
  }
}

/**
 * RLPrompt's initialisation (LMAdaptorModel._init_weights): weights xavier-uniform with a tiny
 * gain, U(−b, b) with b = gain·√(6 / (fan_in + fan_out)); biases filled with `biasValue`.
 * With gain 1e-4 the policy starts near uniform (or near the LM itself when residual).
 */
export function initMlp(hidden: number, mlpHidden: number, rng: Rng, options: { gain: number; biasValue: number }): MlpParams {
  const p = new MlpParams(hidden, mlpHidden);
  const bound = options.gain * Math.sqrt(6 / (hidden + mlpHidden));
  for (const name of ['mlp.0.weight', 'mlp.2.weight'] as const) {
    const w = p.views[name];
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * bound;
  }
  p.views['mlp.0.bias'].fill(options.biasValue);
  p.views['mlp.2.bias'].fill(options.biasValue);
  return p;
}

/** torch.nn.utils.clip_grad_norm_: scales `grad` in place so its 2-norm is at most maxNorm; returns the norm before. */
export function clipGradNorm(grad: Float32Array | Float64Array, maxNorm: number): { norm: number; coef: number } {
  let sq = 0;
  for (let i = 0; i < grad.length; i++) sq += grad[i]! * grad[i]!;
  const norm = Math.sqrt(sq);
  const coef = Math.min(maxNorm / (norm + 1e-6), 1);
  if (coef < 1) for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! * coef;
  return { norm, coef };
}

/** RLPrompt's target update: θ′ ← (1 − rate)·θ′ + rate·θ (in place on the target). */
export function polyakUpdate(target: MlpParams, policy: MlpParams, rate: number): void {
  const t = target.flat;
  const p = policy.flat;
  for (let i = 0; i < t.length; i++) t[i] = (1 - rate) * t[i]! + rate * p[i]!;
}
