// The engine's task queue: tasks on the same model run one at a time (in order); tasks on other
// models run alongside. Cancel is cooperative (an AbortSignal the task checks between steps);
// pause is cooperative too (the task awaits `ctx.beforeStep()` between steps, which waits while
// paused). The queue is the one writer of run records: every status change, every recorded
// event, the device actually used and the final result go into the task's run folder.
import type { TaskInfo } from '../../protocol/methods/taskControl';
import { isFinalStatus, isRecordedEvent, type StatusEvent, statusEvent, type TaskEvent, type TaskResult, type TaskStatus } from '../../protocol/taskEvents';
import type { RunHandle } from '../../runs/runWriter';
import type { TaskHooks } from '../tasks/taskHooks';

export interface TaskContext extends Required<Omit<TaskHooks, 'shouldStop'>> {
  readonly taskId: number;
  readonly signal: AbortSignal;
  /** The run this task records into, if any. */
  readonly run: RunHandle | undefined;
}

/** What a task hands back: its answer to the caller, and the summary its run records. */
export interface TaskOutcome<R> {
  value: R;
  record: TaskResult;
}

export interface TaskSpec<R> {
  /** Tasks with the same model key never run at the same time. */
  model: string;
  label: string;
  run?: RunHandle;
  execute(ctx: TaskContext): Promise<TaskOutcome<R>>;
}

export type TaskListener = (taskId: number, event: TaskEvent, info: TaskInfo) => void;

export class TaskCancelledError extends Error {
  readonly code = 'E_CANCELLED';
  constructor(label: string) {
    super(`task '${label}' was cancelled`);
    this.name = 'TaskCancelledError';
  }
}

interface Entry {
  info: TaskInfo;
  run: RunHandle | undefined;
  label: string;
  controller: AbortController;
  observe?: (event: TaskEvent) => void;
  /** Resolves the pause wait; set while paused. */
  unpause?: () => void;
  pauseWait?: Promise<void>;
}

export class TaskQueue {
  private nextId = 1;
  private readonly entries = new Map<number, Entry>();
  /** Per model: the promise of the last task queued on it, to chain the next one. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<TaskListener>();

  onEvent(listener: TaskListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Queues a task; returns its id at once and its value when it finishes. `observe` sees every
   * event of this task from its 'queued' status on (the request that started it forwards them).
   */
  enqueue<R>(spec: TaskSpec<R>, observe?: (event: TaskEvent) => void): { id: number; done: Promise<R> } {
    const id = this.nextId++;
    const info: TaskInfo = { id, model: spec.model, label: spec.label, status: 'queued' };
    if (spec.run) info.runId = spec.run.id;
    const entry: Entry = { info, run: spec.run, label: spec.label, controller: new AbortController(), observe };
    this.entries.set(id, entry);
    this.changeStatus(entry, 'queued');
    const previous = this.tails.get(spec.model) ?? Promise.resolve();
    const done = previous.then(
      () => this.execute(entry, spec),
      () => this.execute(entry, spec),
    );
    const tail = done.catch(() => undefined);
    this.tails.set(spec.model, tail);
    void tail.then(() => {
      if (this.tails.get(spec.model) === tail) this.tails.delete(spec.model);
    });
    return { id, done };
  }

  list(): TaskInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info }));
  }

  /** Cooperative cancel: a queued task never starts; a running one stops at its next step. */
  cancel(id: number, reason = 'cancelled by the user'): boolean {
    const entry = this.entries.get(id);
    if (!entry || isFinalStatus(entry.info.status)) return false;
    entry.controller.abort(reason);
    entry.unpause?.();
    return true;
  }

  /** `reason`: why the task paused itself (shown with the status); none when the user paused it. */
  pause(id: number, reason?: string): boolean {
    const entry = this.entries.get(id);
    if (entry?.info.status !== 'running') return false;
    entry.pauseWait = new Promise<void>((resolve) => {
      entry.unpause = resolve;
    });
    this.changeStatus(entry, 'paused', reason);
    return true;
  }

  resume(id: number): boolean {
    const entry = this.entries.get(id);
    if (entry?.info.status !== 'paused') return false;
    const unpause = entry.unpause;
    entry.unpause = undefined;
    entry.pauseWait = undefined;
    this.changeStatus(entry, 'running');
    unpause?.();
    return true;
  }

  /** Cancels everything (engine shutdown). */
  cancelAll(reason: string): void {
    for (const id of this.entries.keys()) this.cancel(id, reason);
  }

  private async execute<R>(entry: Entry, spec: TaskSpec<R>): Promise<R> {
    const { controller, info } = entry;
    if (controller.signal.aborted) {
      this.finish(entry, 'cancelled', 'cancelled before it started');
      throw new TaskCancelledError(spec.label);
    }
    this.changeStatus(entry, 'running');
    const beforeStep = async () => {
      if (entry.pauseWait) await entry.pauseWait;
      if (controller.signal.aborted) throw new TaskCancelledError(spec.label);
    };
    const ctx: TaskContext = {
      taskId: info.id,
      signal: controller.signal,
      run: spec.run,
      emit: (event) => this.emit(entry, event),
      beforeStep,
      pauseFor: async (reason) => {
        this.pause(info.id, reason);
        await beforeStep();
      },
    };
    try {
      const outcome = await spec.execute(ctx);
      if (controller.signal.aborted) throw new TaskCancelledError(spec.label);
      spec.run?.writeResult(outcome.record);
      this.emit(entry, { type: 'result', result: outcome.record });
      this.finish(entry, 'completed');
      return outcome.value;
    } catch (err) {
      if (controller.signal.aborted) {
        const reason = typeof controller.signal.reason === 'string' ? controller.signal.reason : 'cancelled';
        this.finish(entry, 'cancelled', reason);
        throw new TaskCancelledError(spec.label);
      }
      this.finish(entry, 'failed', err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private finish(entry: Entry, status: TaskStatus, message?: string): void {
    this.changeStatus(entry, status, message);
    this.entries.delete(entry.info.id);
  }

  private changeStatus(entry: Entry, status: TaskStatus, message?: string): void {
    entry.info.status = status;
    const event: StatusEvent = statusEvent(status, message);
    this.emit(entry, event);
  }

  private emit(entry: Entry, event: TaskEvent): void {
    // The record comes first: if writing it fails the task should learn about it (it throws).
    if (entry.run) {
      if (event.type === 'device') entry.run.update({ device: event.device });
      else if (isRecordedEvent(event) && event.type !== 'result') entry.run.appendEvent(event);
    }
    for (const listener of this.listeners) safely(() => listener(entry.info.id, event, { ...entry.info }));
    if (entry.observe) safely(() => entry.observe?.(event));
  }
}

/** A listener (e.g. a closed IPC channel) must not break the task. */
function safely(notify: () => void): void {
  try {
    notify();
  } catch {
    // ignored on purpose
  }
}
