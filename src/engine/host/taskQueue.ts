// The engine's task queue: tasks on the same model run one at a time (in order); tasks on other
// models run alongside. Cancel is cooperative (an AbortSignal the task checks between steps);
// pause is cooperative too (the task awaits `ctx.checkpoint()` between steps, which waits while
// paused). Every status change is an event and, when the task has a run, a line in its record.
import { isFinalStatus, type StatusEvent, statusEvent, type TaskEvent, type TaskResult, type TaskStatus } from '../../protocol/taskEvents';
import type { RunHandle } from './runStore';

export interface TaskContext {
  readonly taskId: number;
  readonly signal: AbortSignal;
  /** The run this task records into, if any (progress events are appended to it by emit). */
  readonly run: RunHandle | undefined;
  /** Reports an event: to the run's metrics.jsonl and to the queue's listeners. */
  emit(event: TaskEvent): void;
  /** Call between steps: throws if cancelled, waits while paused. */
  checkpoint(): Promise<void>;
}

export interface TaskSpec {
  /** Tasks with the same model key never run at the same time. */
  model: string;
  label: string;
  run?: RunHandle;
  execute(ctx: TaskContext): Promise<TaskResult>;
}

export interface TaskInfo {
  id: number;
  model: string;
  label: string;
  runId?: string;
  status: TaskStatus;
}

export type TaskListener = (taskId: number, event: TaskEvent, info: TaskInfo) => void;

export class TaskCancelledError extends Error {
  constructor(label: string) {
    super(`task '${label}' was cancelled`);
    this.name = 'TaskCancelledError';
  }
}

interface Entry {
  info: TaskInfo;
  spec: TaskSpec;
  controller: AbortController;
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

  /** Queues a task; returns its id at once and the result when it finishes. */
  enqueue(spec: TaskSpec): { id: number; done: Promise<TaskResult> } {
    const id = this.nextId++;
    const info: TaskInfo = { id, model: spec.model, label: spec.label, status: 'queued' };
    if (spec.run) info.runId = spec.run.id;
    const entry: Entry = { info, spec, controller: new AbortController() };
    this.entries.set(id, entry);
    this.changeStatus(entry, 'queued');
    const previous = this.tails.get(spec.model) ?? Promise.resolve();
    const done = previous.then(
      () => this.execute(entry),
      () => this.execute(entry),
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

  /** Cooperative cancel: a queued task never starts; a running one stops at its next checkpoint. */
  cancel(id: number, reason = 'cancelled by the user'): boolean {
    const entry = this.entries.get(id);
    if (!entry || isFinalStatus(entry.info.status)) return false;
    entry.controller.abort(reason);
    entry.unpause?.();
    return true;
  }

  pause(id: number): boolean {
    const entry = this.entries.get(id);
    if (entry?.info.status !== 'running') return false;
    entry.pauseWait = new Promise<void>((resolve) => {
      entry.unpause = resolve;
    });
    this.changeStatus(entry, 'paused');
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

  private async execute(entry: Entry): Promise<TaskResult> {
    const { spec, controller, info } = entry;
    if (controller.signal.aborted) {
      this.finish(entry, 'cancelled', 'cancelled before it started');
      throw new TaskCancelledError(spec.label);
    }
    this.changeStatus(entry, 'running');
    const ctx: TaskContext = {
      taskId: info.id,
      signal: controller.signal,
      run: spec.run,
      emit: (event) => this.emit(entry, event),
      checkpoint: async () => {
        if (entry.pauseWait) await entry.pauseWait;
        if (controller.signal.aborted) throw new TaskCancelledError(spec.label);
      },
    };
    try {
      const result = await spec.execute(ctx);
      if (controller.signal.aborted) throw new TaskCancelledError(spec.label);
      spec.run?.writeResult(result);
      this.emit(entry, { type: 'result', result });
      this.finish(entry, 'completed');
      return result;
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
    if (entry.spec.run && event.type !== 'result') entry.spec.run.appendEvent(event);
    for (const listener of this.listeners) {
      try {
        listener(entry.info.id, event, { ...entry.info });
      } catch {
        // A listener (e.g. a closed IPC channel) must not break the task.
      }
    }
  }
}
