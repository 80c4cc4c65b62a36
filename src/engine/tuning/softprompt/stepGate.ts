// The pause/cancel point both trainers (gradient and BBT) pass before each step.

export interface StepGateOptions {
  /** Awaited before each step: the engine's task queue holds a paused run here. */
  beforeStep?: () => Promise<void>;
  signal?: AbortSignal;
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
