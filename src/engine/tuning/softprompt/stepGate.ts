// The pause/cancel point every trainer (gradient, BBT, fine tuning) passes before each step, and
// the budget check after it.

export interface StepGateOptions {
  /** Awaited before each step: the engine's task queue holds a paused run here. */
  beforeStep?: () => Promise<void>;
  signal?: AbortSignal;
  /** True once the run should end early but normally (a time budget): the step just taken is the last. */
  shouldStop?: () => boolean;
}

/** Waits at the pause point; true when the run was cancelled (its checkpoint is then written). */
export async function cancelledBeforeStep(options: StepGateOptions, checkpoint: () => void): Promise<boolean> {
  try {
    await options.beforeStep?.();
  } catch (err) {
    // A cancel while paused rejects the wait: that is a cancel, not a failure.
    if (!options.signal?.aborted) throw err;
  }
  if (!options.signal?.aborted) return false;
  checkpoint();
  return true;
}

/** After a step: whether it is the last one (the planned end, or the time budget spent). */
export function isLastStep(step: number, steps: number, options: StepGateOptions): boolean {
  return step >= steps || options.shouldStop?.() === true;
}
