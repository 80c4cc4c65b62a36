// Adafactor (Shazeer & Stern 2018) in the setup Lester et al. 2021 used for prompt tuning:
// fixed lr 0.3 (relative step and parameter scaling off), no momentum (β1 = 0), second-moment
// decay β2_t = 1 − t^(−0.8), update clipping at RMS 1.0, ε1 = 1e-30 added to the squared
// gradient. Matrices get factored row/column second moments unless `factored: false` (the
// soft prompt trainer's choice: a prompt is small, so the full second moment costs nothing).
import { checkLengths, copyBuffers, type Optimizer, type OptimizerState } from './optimizer';

export interface AdafactorOptions {
  lr?: number;
  decayRate?: number;
  clipThreshold?: number;
  eps1?: number;
  /** Factor the second moments of a matrix (default true); false keeps one per value. */
  factored?: boolean;
}

export class Adafactor implements Optimizer {
  readonly kind = 'adafactor';
  readonly lr: number;
  readonly decayRate: number;
  readonly clipThreshold: number;
  readonly eps1: number;
  private t = 0;
  private readonly rows: number;
  private readonly cols: number;
  private readonly factored: boolean;
  /** Factored: row means [rows] and column means [cols]; unfactored: full v. */
  private vr: Float64Array;
  private vc: Float64Array;
  private v: Float64Array;

  /** `shape` is the parameter's shape: [n, d] is factored (unless told not to), [k] is not. */
  constructor(shape: number[], options: AdafactorOptions = {}) {
    this.lr = options.lr ?? 0.3;
    this.decayRate = options.decayRate ?? -0.8;
    this.clipThreshold = options.clipThreshold ?? 1.0;
    this.eps1 = options.eps1 ?? 1e-30;
    this.factored = shape.length === 2 && options.factored !== false;
    this.rows = this.factored ? shape[0]! : 1;
    this.cols = this.factored ? shape[1]! : shape.reduce((a, b) => a * b, 1);
    this.vr = new Float64Array(this.factored ? this.rows : 0);
    this.vc = new Float64Array(this.factored ? this.cols : 0);
    this.v = new Float64Array(this.factored ? 0 : this.cols);
  }

  step(params: Float32Array | Float64Array, grad: ArrayLike<number>): void {
    checkLengths('adafactor', params, grad);
    const size = this.rows * this.cols;
    if (params.length !== size) throw new Error(`adafactor: expected ${size} parameters, got ${params.length}`);
    this.t++;
    const beta2 = 1 - this.t ** this.decayRate;
    const update = new Float64Array(size);
    if (this.factored) {
      const rowMean = new Float64Array(this.rows);
      const colMean = new Float64Array(this.cols);
      for (let i = 0; i < this.rows; i++) {
        for (let j = 0; j < this.cols; j++) {
          const g = grad[i * this.cols + j]!;
          const g2 = g * g + this.eps1;
          rowMean[i]! += g2 / this.cols;
          colMean[j]! += g2 / this.rows;
        }
      }
      let vrMean = 0;
      for (let i = 0; i < this.rows; i++) {
        this.vr[i] = beta2 * this.vr[i]! + (1 - beta2) * rowMean[i]!;
        vrMean += this.vr[i]! / this.rows;
      }
      for (let j = 0; j < this.cols; j++) this.vc[j] = beta2 * this.vc[j]! + (1 - beta2) * colMean[j]!;
      // v̂_ij ≈ vr_i · vc_j / mean(vr): the rank-1 reconstruction of the second moments.
      for (let i = 0; i < this.rows; i++) {
        const rowFactor = 1 / Math.sqrt(this.vr[i]! / vrMean);
        for (let j = 0; j < this.cols; j++) {
          const k = i * this.cols + j;
          update[k] = grad[k]! * rowFactor * (1 / Math.sqrt(this.vc[j]!));
        }
      }
    } else {
      for (let k = 0; k < size; k++) {
        const g = grad[k]!;
        this.v[k] = beta2 * this.v[k]! + (1 - beta2) * (g * g + this.eps1);
        update[k] = g / Math.sqrt(this.v[k]!);
      }
    }
    let sumSq = 0;
    for (let k = 0; k < size; k++) sumSq += update[k]! * update[k]!;
    const rms = Math.sqrt(sumSq / size);
    const scale = this.lr / Math.max(1, rms / this.clipThreshold);
    for (let k = 0; k < size; k++) params[k] = params[k]! - scale * update[k]!;
  }

  getState(): OptimizerState {
    return { kind: this.kind, step: this.t, buffers: copyBuffers({ vr: this.vr, vc: this.vc, v: this.v }) };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new Error(`adafactor: cannot restore a '${state.kind}' optimizer state`);
    const { vr, vc, v } = state.buffers;
    if (!vr || !vc || !v || vr.length !== this.vr.length || vc.length !== this.vc.length || v.length !== this.v.length) {
      throw new Error('adafactor: saved second moments do not match the parameter shape');
    }
    this.t = state.step;
    this.vr = Float64Array.from(vr);
    this.vc = Float64Array.from(vc);
    this.v = Float64Array.from(v);
  }
}
