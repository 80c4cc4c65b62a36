// What every first-order optimizer offers the trainer: an in-place step on a flat parameter
// vector, and a state that a checkpoint can save and restore bit for bit.

export interface OptimizerState {
  kind: string;
  step: number;
  /** Named moment buffers, kept in float64 so a resumed run is bit-identical. */
  buffers: Record<string, Float64Array>;
}

export interface Optimizer {
  readonly kind: string;
  /** Updates `params` in place from `grad` (same length). */
  step(params: Float32Array | Float64Array, grad: ArrayLike<number>): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

export function checkLengths(kind: string, params: ArrayLike<number>, grad: ArrayLike<number>): void {
  if (params.length !== grad.length) {
    throw new Error(`${kind}: gradient has ${grad.length} values but the parameters have ${params.length}`);
  }
}

export function copyBuffers(buffers: Record<string, Float64Array>): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(buffers).map(([k, v]) => [k, Float64Array.from(v)]));
}
