// `taskControl`: pause, resume, cancel or list the engine's queued and running tasks, by task id
// or by run id (the runs panel's buttons and the palette's Pause/Resume/Cancel end up here).
import { expectArray, expectBoolean, expectNumber, expectOneOf, expectRecord, expectString, optionalNumber, optionalString, ProtocolError } from '../guards';
import { TASK_STATUSES, type TaskStatus } from '../taskEvents';

export const TASK_ACTIONS = ['pause', 'resume', 'cancel', 'list'] as const;

export interface TaskControlParams {
  action: (typeof TASK_ACTIONS)[number];
  taskId?: number;
  runId?: string;
}

export interface TaskInfo {
  id: number;
  model: string;
  label: string;
  runId?: string;
  status: TaskStatus;
}

/** ok is false when no such task was in a state allowing the action. */
export interface TaskControlResult {
  ok: boolean;
  tasks: TaskInfo[];
}

export function parseTaskControlParams(raw: unknown): TaskControlParams {
  const where = 'taskControl params';
  const p = expectRecord(raw, where);
  const params: TaskControlParams = { action: expectOneOf(p, 'action', TASK_ACTIONS, where) };
  const taskId = optionalNumber(p, 'taskId', where);
  const runId = optionalString(p, 'runId', where);
  if (taskId !== undefined) params.taskId = taskId;
  if (runId !== undefined) params.runId = runId;
  if (params.action !== 'list' && taskId === undefined && runId === undefined) throw new ProtocolError(`${where}: give taskId or runId`);
  return params;
}

export function parseTaskControlResult(raw: unknown): TaskControlResult {
  const where = 'taskControl result';
  const r = expectRecord(raw, where);
  const tasks = expectArray(r, 'tasks', where).map((t, i) => {
    const w = `${where}.tasks[${i}]`;
    const e = expectRecord(t, w);
    const info: TaskInfo = { id: expectNumber(e, 'id', w), model: expectString(e, 'model', w), label: expectString(e, 'label', w), status: expectOneOf(e, 'status', TASK_STATUSES, w) };
    const runId = optionalString(e, 'runId', w);
    if (runId !== undefined) info.runId = runId;
    return info;
  });
  return { ok: expectBoolean(r, 'ok', where), tasks };
}
