// Typed events a task (evaluation, soft prompt tuning, RL prompt tuning, …) streams while it runs.
// The engine emits them on the task's request, the task queue appends them to the run's
// metrics.jsonl, the extension forwards them to the runs panel. Every receiver validates them
// with parseTaskEvent. `run`, `device` and `message` travel on the same channel but describe the
// request rather than the run's curves, so they are not appended to metrics.jsonl.
import {
  expectNumber,
  expectOneOf,
  expectRecord,
  expectString,
  isRecord,
  optionalNumber,
  optionalString,
  ProtocolError,
} from './guards';

import { type CompareRow, parseCompareRow } from './methods/compare';
export const TASK_KINDS = ['eval', 'soft', 'rl', 'random', 'finetune', 'compare', 'manual'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATUSES = ['queued', 'running', 'paused', 'cancelled', 'failed', 'completed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses after which a task never changes again (until it is resumed as a new attempt). */
export const FINAL_STATUSES: readonly TaskStatus[] = ['cancelled', 'failed', 'completed'];

export function isFinalStatus(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** One training/evaluation step. Metric names follow the papers' logs (train_acc, dev_acc). */
export interface ProgressEvent {
  type: 'progress';
  step: number;
  totalSteps: number;
  loss?: number;
  reward?: number;
  train_acc?: number;
  dev_acc?: number;
  steps_per_s?: number;
  elapsed_s: number;
  eta_s?: number;
}

/** A prompt found so far: a discrete RL prompt, or a soft prompt shown as its nearest tokens. */
export interface BestPromptRow {
  text: string;
  tokens: string[];
  ids: number[];
  reward?: number;
  train_acc?: number;
  dev_acc?: number;
  /** Held-out accuracy: measured for the final prompts only, never used to select them. */
  test_acc?: number;
}

/** The current table of best prompts (replaces the previous table). */
export interface BestPromptsEvent {
  type: 'bestPrompts';
  step: number;
  rows: BestPromptRow[];
}

export interface StatusEvent {
  type: 'status';
  status: TaskStatus;
  /** ISO time of the change. */
  at: string;
  /** Why (the error for 'failed', "resumed from step 400", …). */
  message?: string;
}

/** A checkpoint was written; `path` is relative to the run folder. */
export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  path: string;
}

/** Final numbers of a task. */
export interface TaskResult {
  /** Named final metrics, e.g. { dev_acc: 0.81, train_acc: 0.9, loss: 0.41 }. */
  metrics: Record<string, number>;
  bestPrompts?: BestPromptRow[];
  /** Files produced, relative to the run folder, e.g. { adapter: 'adapter/adapter_config.json' }. */
  artifacts?: Record<string, string>;
  /** A comparison's table (one row per method), for the panel's comparison view. */
  comparison?: CompareRow[];
  summary?: string;
  /** Data that invites self-deception (near-copies across splits, small sets, …), one sentence each. */
  warnings?: string[];
}

export interface ResultEvent {
  type: 'result';
  result: TaskResult;
}

/** Sent once, before the task starts: the run folder this request records into. */
export interface RunEvent {
  type: 'run';
  runId: string;
  dir: string;
}

/** The execution provider the task actually runs on (known once its sessions are open). */
export interface DeviceEvent {
  type: 'device';
  device: string;
}

/** Something the user should know while the task runs (a fallback, a data warning). */
export interface MessageEvent {
  type: 'message';
  level: 'info' | 'warning';
  message: string;
}

export type TaskEvent = ProgressEvent | BestPromptsEvent | StatusEvent | CheckpointEvent | ResultEvent | RunEvent | DeviceEvent | MessageEvent;

/** The events a run's metrics.jsonl holds (the others describe the request, not the run). */
export type RecordedTaskEvent = ProgressEvent | BestPromptsEvent | StatusEvent | CheckpointEvent | ResultEvent;

const EVENT_TYPES = ['progress', 'bestPrompts', 'status', 'checkpoint', 'result', 'run', 'device', 'message'] as const;
const RECORDED_TYPES: readonly string[] = ['progress', 'bestPrompts', 'status', 'checkpoint', 'result'];

export function isRecordedEvent(event: TaskEvent): event is RecordedTaskEvent {
  return RECORDED_TYPES.includes(event.type);
}

/** Validates a task event; throws ProtocolError naming the bad field. Unknown fields are dropped. */
export function parseTaskEvent(raw: unknown, where = 'event'): TaskEvent {
  const e = expectRecord(raw, where);
  const type = expectOneOf(e, 'type', EVENT_TYPES, where);
  switch (type) {
    case 'progress':
      return parseProgress(e, where);
    case 'bestPrompts':
      return { type, step: expectNumber(e, 'step', where), rows: parseRows(e.rows, `${where}.rows`) };
    case 'status': {
      const event: StatusEvent = { type, status: expectOneOf(e, 'status', TASK_STATUSES, where), at: expectString(e, 'at', where) };
      const message = optionalString(e, 'message', where);
      if (message !== undefined) event.message = message;
      return event;
    }
    case 'checkpoint':
      return { type, step: expectNumber(e, 'step', where), path: expectString(e, 'path', where) };
    case 'result':
      return { type, result: parseTaskResult(e.result, `${where}.result`) };
    case 'run':
      return { type, runId: expectString(e, 'runId', where), dir: expectString(e, 'dir', where) };
    case 'device':
      return { type, device: expectString(e, 'device', where) };
    case 'message':
      return { type, level: e.level === 'warning' ? 'warning' : 'info', message: expectString(e, 'message', where) };
  }
}

const PROGRESS_OPTIONAL = ['loss', 'reward', 'train_acc', 'dev_acc', 'steps_per_s', 'eta_s'] as const;

function parseProgress(e: Record<string, unknown>, where: string): ProgressEvent {
  const event: ProgressEvent = {
    type: 'progress',
    step: expectNumber(e, 'step', where),
    totalSteps: expectNumber(e, 'totalSteps', where),
    elapsed_s: expectNumber(e, 'elapsed_s', where),
  };
  for (const key of PROGRESS_OPTIONAL) {
    const value = optionalNumber(e, key, where);
    if (value !== undefined) event[key] = value;
  }
  return event;
}

function parseRows(raw: unknown, where: string): BestPromptRow[] {
  if (!Array.isArray(raw)) throw new ProtocolError(`${where}: expected an array`);
  return raw.map((item, i) => parseBestPromptRow(item, `${where}[${i}]`));
}

export function parseBestPromptRow(raw: unknown, where: string): BestPromptRow {
  const r = expectRecord(raw, where);
  const row: BestPromptRow = {
    text: expectString(r, 'text', where),
    tokens: expectArrayOf(r.tokens, `${where}.tokens`, 'string'),
    ids: expectArrayOf(r.ids, `${where}.ids`, 'number'),
  };
  for (const key of ['reward', 'train_acc', 'dev_acc', 'test_acc'] as const) {
    const value = optionalNumber(r, key, where);
    if (value !== undefined) row[key] = value;
  }
  return row;
}

export function parseTaskResult(raw: unknown, where: string): TaskResult {
  const r = expectRecord(raw, where);
  const metricsRaw = expectRecord(r.metrics, `${where}.metrics`);
  const metrics: Record<string, number> = {};
  for (const key of Object.keys(metricsRaw)) metrics[key] = expectNumber(metricsRaw, key, `${where}.metrics`);
  const result: TaskResult = { metrics };
  if (r.bestPrompts !== undefined) result.bestPrompts = parseRows(r.bestPrompts, `${where}.bestPrompts`);
  if (r.artifacts !== undefined) {
    const a = expectRecord(r.artifacts, `${where}.artifacts`);
    result.artifacts = {};
    for (const key of Object.keys(a)) result.artifacts[key] = expectString(a, key, `${where}.artifacts`);
  }
  if (r.comparison !== undefined) {
    if (!Array.isArray(r.comparison)) throw new ProtocolError(`${where}.comparison: expected an array`);
    result.comparison = r.comparison.map((row, i) => parseCompareRow(row, `${where}.comparison[${i}]`));
  }
  const summary = optionalString(r, 'summary', where);
  if (summary !== undefined) result.summary = summary;
  if (r.warnings !== undefined) result.warnings = expectArrayOf(r.warnings, `${where}.warnings`, 'string');
  return result;
}

function expectArrayOf<T extends 'string' | 'number'>(raw: unknown, where: string, kind: T): T extends 'string' ? string[] : number[] {
  if (!Array.isArray(raw)) throw new ProtocolError(`${where}: expected an array`);
  raw.forEach((v, i) => {
    const ok = kind === 'string' ? typeof v === 'string' : typeof v === 'number' && Number.isFinite(v);
    if (!ok) throw new ProtocolError(`${where}[${i}]: expected a ${kind === 'string' ? 'string' : 'finite number'}`);
  });
  return raw as T extends 'string' ? string[] : number[];
}

/** A status event stamped now. */
export function statusEvent(status: TaskStatus, message?: string): StatusEvent {
  return message === undefined ? { type: 'status', status, at: new Date().toISOString() } : { type: 'status', status, at: new Date().toISOString(), message };
}

export function isTaskEventLike(raw: unknown): boolean {
  return isRecord(raw) && typeof raw.type === 'string' && (EVENT_TYPES as readonly string[]).includes(raw.type);
}
