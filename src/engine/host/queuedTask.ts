// Glue between engine requests and the task queue. A long request (evaluate, train) calls
// `runQueued(ctx, spec)`: the task waits its turn on its model, its events stream back on the
// request, and the client's RPC cancel cancels it. `taskControl` pauses, resumes, cancels or
// lists tasks by task id or run id (the panel's buttons end up here).
import { expectOneOf, expectRecord, type Json, optionalNumber, optionalString, ProtocolError } from '../../protocol/guards';
import { type TaskResult, taskEventToJson } from '../../protocol/taskEvents';
import type { MethodHandler, RequestContext } from './methods';
import { type TaskInfo, TaskQueue, type TaskSpec } from './taskQueue';

/** The engine process's one queue: models are shared by tasks, so their turns are too. */
export const engineTasks = new TaskQueue();

/** Runs `spec` through the engine queue on behalf of a request; resolves with its result. */
export async function runQueued(ctx: RequestContext, spec: TaskSpec): Promise<TaskResult> {
  const { id, done } = engineTasks.enqueue(spec);
  const unsubscribe = engineTasks.onEvent((taskId, event) => {
    if (taskId === id) ctx.emit(taskEventToJson(event));
  });
  const onAbort = () => engineTasks.cancel(id, 'cancelled by the client');
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await done;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}

export interface TaskControlParams {
  action: 'pause' | 'resume' | 'cancel' | 'list';
  taskId?: number;
  runId?: string;
}

export function parseTaskControlParams(raw: Json): TaskControlParams {
  const where = 'taskControl params';
  const p = expectRecord(raw, where);
  const params: TaskControlParams = { action: expectOneOf(p, 'action', ['pause', 'resume', 'cancel', 'list'] as const, where) };
  const taskId = optionalNumber(p, 'taskId', where);
  const runId = optionalString(p, 'runId', where);
  if (taskId !== undefined) params.taskId = taskId;
  if (runId !== undefined) params.runId = runId;
  if (params.action !== 'list' && taskId === undefined && runId === undefined) throw new ProtocolError(`${where}: give taskId or runId`);
  return params;
}

/** Answers { ok, tasks }: ok is false when no such task was in a state allowing the action. */
export function controlTasks(params: TaskControlParams, queue: TaskQueue = engineTasks): { ok: boolean; tasks: TaskInfo[] } {
  if (params.action === 'list') return { ok: true, tasks: queue.list() };
  const task = queue.list().find((t) => t.id === params.taskId || (params.runId !== undefined && t.runId === params.runId));
  let ok = false;
  if (task) {
    if (params.action === 'pause') ok = queue.pause(task.id);
    else if (params.action === 'resume') ok = queue.resume(task.id);
    else ok = queue.cancel(task.id);
  }
  return { ok, tasks: queue.list() };
}

/** The `taskControl` engine method. */
export const taskControlMethod: MethodHandler = async (params) => controlTasks(parseTaskControlParams(params)) as unknown as Json;
