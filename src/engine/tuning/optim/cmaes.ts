// CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016): the standard
// (μ/μ_w, λ)-CMA-ES with cumulative step-size adaptation (CSA), rank-one and rank-μ covariance
// updates, and a lazy eigen-decomposition of C. Minimises; ask() then tell() each generation.
import { Rng, type RngState } from './rng';
import { symmetricEigen } from './symmetricEigen';

export interface CmaEsOptions {
  /** λ; the tutorial's default is 4 + ⌊3 ln N⌋ (BBT uses 20). */
  popsize?: number;
  sigma0: number;
  seed: number;
}

export interface CmaEsState {
  mean: number[];
  sigma: number;
  C: Float64Array;
  /** The (possibly stale) decomposition in use, so a restored run samples exactly as before. */
  B: Float64Array;
  D: number[];
  pc: number[];
  ps: number[];
  countEval: number;
  eigenEval: number;
  generation: number;
  rng: RngState;
}

export class CmaEs {
  readonly n: number;
  readonly lambda: number;
  readonly mu: number;
  readonly weights: Float64Array;
  readonly mueff: number;
  readonly cc: number;
  readonly cs: number;
  readonly c1: number;
  readonly cmu: number;
  readonly damps: number;
  readonly chiN: number;
  mean: Float64Array;
  sigma: number;
  generation = 0;
  private C: Float64Array;
  private B: Float64Array;
  private D: Float64Array;
  private pc: Float64Array;
  private ps: Float64Array;
  private countEval = 0;
  private eigenEval = 0;
  private rng: Rng;

  constructor(x0: ArrayLike<number>, options: CmaEsOptions) {
    const n = x0.length;
    this.n = n;
    this.lambda = options.popsize ?? 4 + Math.floor(3 * Math.log(n));
    this.mu = Math.floor(this.lambda / 2);
    const w = Float64Array.from({ length: this.mu }, (_, i) => Math.log((this.lambda + 1) / 2) - Math.log(i + 1));
    const sumW = w.reduce((a, b) => a + b, 0);
    this.weights = w.map((x) => x / sumW);
    this.mueff = 1 / this.weights.reduce((a, b) => a + b * b, 0);
    this.cc = (4 + this.mueff / n) / (n + 4 + (2 * this.mueff) / n);
    this.cs = (this.mueff + 2) / (n + this.mueff + 5);
    this.c1 = 2 / ((n + 1.3) ** 2 + this.mueff);
    this.cmu = Math.min(1 - this.c1, (2 * (this.mueff - 2 + 1 / this.mueff)) / ((n + 2) ** 2 + this.mueff));
    this.damps = 1 + 2 * Math.max(0, Math.sqrt((this.mueff - 1) / (n + 1)) - 1) + this.cs;
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.mean = Float64Array.from(x0);
    this.sigma = options.sigma0;
    this.C = new Float64Array(n * n);
    this.B = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      this.C[i * n + i] = 1;
      this.B[i * n + i] = 1;
    }
    this.D = new Float64Array(n).fill(1);
    this.pc = new Float64Array(n);
    this.ps = new Float64Array(n);
    this.rng = new Rng(options.seed);
  }

  /** λ candidate solutions x_k = m + σ B D z_k, z_k ~ N(0, I). */
  ask(): Float64Array[] {
    const n = this.n;
    const out: Float64Array[] = [];
    const dz = new Float64Array(n);
    for (let k = 0; k < this.lambda; k++) {
      for (let i = 0; i < n; i++) dz[i] = this.D[i]! * this.rng.normal();
      const x = Float64Array.from(this.mean);
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * n;
        for (let j = 0; j < n; j++) s += this.B[row + j]! * dz[j]!;
        x[i] = x[i]! + this.sigma * s;
      }
      out.push(x);
    }
    return out;
  }

  /** Updates the distribution from the candidates of ask() and their losses (lower is better). */
  tell(candidates: Float64Array[], losses: number[]): void {
    const n = this.n;
    if (candidates.length !== this.lambda || losses.length !== this.lambda) {
      throw new Error(`cma-es: expected ${this.lambda} candidates and losses, got ${candidates.length} and ${losses.length}`);
    }
    this.countEval += this.lambda;
    this.generation++;
    const order = losses.map((l, i) => [l, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const old = this.mean;
    const ys = order.slice(0, this.mu).map(([, i]) => candidates[i]!.map((x, j) => (x - old[j]!) / this.sigma));
    const yw = new Float64Array(n);
    for (let k = 0; k < this.mu; k++) for (let i = 0; i < n; i++) yw[i]! += this.weights[k]! * ys[k]![i]!;
    this.mean = old.map((x, i) => x + this.sigma * yw[i]!);

    // C^(-1/2) yw = B D^-1 Bᵀ yw
    const bty = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += this.B[i * n + j]! * yw[i]!;
      bty[j] = s / this.D[j]!;
    }
    const csn = Math.sqrt(this.cs * (2 - this.cs) * this.mueff);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.B[i * n + j]! * bty[j]!;
      this.ps[i] = (1 - this.cs) * this.ps[i]! + csn * s;
    }
    let psSq = 0;
    for (let i = 0; i < n; i++) psSq += this.ps[i]! * this.ps[i]!;
    const psNorm = Math.sqrt(psSq);
    const hsig = psNorm / Math.sqrt(1 - (1 - this.cs) ** ((2 * this.countEval) / this.lambda)) / this.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccn = Math.sqrt(this.cc * (2 - this.cc) * this.mueff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - this.cc) * this.pc[i]! + hsig * ccn * yw[i]!;

    const decay = 1 - this.c1 - this.cmu + (1 - hsig) * this.c1 * this.cc * (2 - this.cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let k = 0; k < this.mu; k++) rankMu += this.weights[k]! * ys[k]![i]! * ys[k]![j]!;
        const v = decay * this.C[i * n + j]! + this.c1 * this.pc[i]! * this.pc[j]! + this.cmu * rankMu;
        this.C[i * n + j] = v;
        this.C[j * n + i] = v;
      }
    }
    this.sigma *= Math.exp((this.cs / this.damps) * (psNorm / this.chiN - 1));
    // The decomposition is O(n³): redo it only every O(1/((c1+cμ) n)) generations.
    if (this.countEval - this.eigenEval > this.lambda / (this.c1 + this.cmu) / n / 10) this.decompose();
  }

  private decompose(): void {
    this.eigenEval = this.countEval;
    const { values, vectors } = symmetricEigen(this.C, this.n);
    this.B = vectors;
    this.D = values.map((v) => Math.sqrt(Math.max(v, 1e-300)));
  }

  getState(): CmaEsState {
    return {
      mean: [...this.mean],
      sigma: this.sigma,
      C: Float64Array.from(this.C),
      B: Float64Array.from(this.B),
      D: [...this.D],
      pc: [...this.pc],
      ps: [...this.ps],
      countEval: this.countEval,
      eigenEval: this.eigenEval,
      generation: this.generation,
      rng: this.rng.state(),
    };
  }

  setState(s: CmaEsState): void {
    if (s.mean.length !== this.n || s.C.length !== this.n * this.n) throw new Error(`cma-es: saved state is not ${this.n}-dimensional`);
    this.mean = Float64Array.from(s.mean);
    this.sigma = s.sigma;
    this.C = Float64Array.from(s.C);
    this.pc = Float64Array.from(s.pc);
    this.ps = Float64Array.from(s.ps);
    this.countEval = s.countEval;
    this.generation = s.generation;
    this.rng = new Rng(s.rng);
    this.B = Float64Array.from(s.B);
    this.D = Float64Array.from(s.D);
    this.eigenEval = s.eigenEval;
  }
}
