// Glue between a long engine request (evaluate, tune, …) and the task queue: the request's task
// waits its turn on its model, records into its run folder (announced to the client first), its
// events stream back on the request, and the client's cancel cancels it.
import { isAbsolute, relative } from 'node:path';
import type { RunHandle } from '../../runs/runWriter';
import type { RequestContext } from './methods/requestContext';
import { type TaskSpec, TaskQueue } from './taskQueue';

/** The engine process's one queue: models are shared by tasks, so their turns are too. */
export const engineTasks = new TaskQueue();

/** Runs `spec` through the engine queue on behalf of a request; resolves with its value. */
export async function runTask<R>(ctx: RequestContext, spec: TaskSpec<R>, queue: TaskQueue = engineTasks): Promise<R> {
  // Tells the client which run this request records (for the panel's controls by run id).
  if (spec.run) ctx.emit({ type: 'run', runId: spec.run.id, dir: spec.run.dir });
  const { id, done } = queue.enqueue(spec, (event) => ctx.emit(event));
  const onAbort = () => queue.cancel(id, 'cancelled by the client');
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await done;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    spec.run?.close();
  }
}

/** A file's path relative to the run folder (checkpoint events), or its absolute path outside it. */
export function pathInRun(run: RunHandle, file: string): string {
  const rel = relative(run.dir, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel.split('\\').join('/');
}
