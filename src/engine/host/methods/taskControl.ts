// `taskControl`: pause, resume, cancel or list the engine's tasks by task id or run id.
import type { TaskControlParams, TaskControlResult } from '../../../protocol/methods/taskControl';
import { engineTasks } from '../taskRuns';
import type { TaskQueue } from '../taskQueue';
import type { MethodHandler } from './requestContext';

export function controlTasks(params: TaskControlParams, queue: TaskQueue = engineTasks): TaskControlResult {
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

export const taskControl: MethodHandler<'taskControl'> = async (params) => controlTasks(params);
