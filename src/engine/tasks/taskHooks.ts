// What a long-running engine function (evaluate, tune soft, tune RL, fine tune, compare) gets
// from whoever runs it: a cancel signal, a pause point before each step, and one channel for
// its events. The engine's task queue provides all three; tests and benches pass what they need.
import type { TaskEvent } from '../../protocol/taskEvents';

export interface TaskHooks {
  signal?: AbortSignal;
  /** Awaited before each step: a paused task waits here; it throws once the task is cancelled. */
  beforeStep?(): Promise<void>;
  /** Progress, device, message, best-prompt and checkpoint events. */
  emit?(event: TaskEvent): void;
  /**
   * Pauses the task with `reason` as its status message (e.g. a remote endpoint is down) and
   * waits until it is resumed; throws once the task is cancelled.
   */
  pauseFor?(reason: string): Promise<void>;
  /** True once the task should finish early but normally, with what it has (a time budget). */
  shouldStop?(): boolean;
}

/** A `shouldStop` for a time budget that starts now (none: never). */
export function budgetStop(seconds: number | undefined): (() => boolean) | undefined {
  if (seconds === undefined) return undefined;
  const deadline = Date.now() + seconds * 1000;
  return () => Date.now() >= deadline;
}
