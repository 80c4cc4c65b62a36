// The record of one run: run.json's shape and its validation. Plain data: usable from the engine
// process, the CLI and the extension host alike.
import { expectNumber, expectOneOf, expectRecord, expectString, isRecord, type Json, optionalNumber, optionalString } from '../protocol/guards';
import { TASK_KINDS, TASK_STATUSES, type TaskKind, type TaskStatus } from '../protocol/taskEvents';
import { confinedPath } from '../modelFiles/confinedPath';

/** Bump when run.json changes incompatibly; readers refuse other versions with a clear message. */
export const RUN_SCHEMA_VERSION = 1;

export const RUNS_FOLDER = '.promptsmith/runs';

export interface RunTimings {
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  updatedAt: string;
}

export interface RunCheckpointRef {
  step: number;
  /** Relative to the run folder, e.g. "checkpoints/step-000400". */
  path: string;
}

export interface RunMeta {
  schemaVersion: number;
  /** The folder name, e.g. "20261127-011500-soft-sentiment". */
  id: string;
  kind: TaskKind;
  name: string;
  /** Relative to the workspace folder when inside it, else absolute. */
  promptFile?: string;
  promptSha256?: string;
  model: string;
  device: string;
  settings: { [key: string]: Json };
  seed?: number;
  status: TaskStatus;
  /** Why the status is what it is (error text for 'failed'). */
  message?: string;
  timings: RunTimings;
  lastCheckpoint?: RunCheckpointRef;
  /** The process that owns a running run, so a crashed one can be told from a live one. */
  pid?: number;
  /** How many times the run was resumed. */
  attempts?: number;
}

/** Validates run.json; errors start with the file name and the field. */
export function parseRunMeta(raw: unknown, file: string): RunMeta {
  const m = expectRecord(raw, file);
  const version = expectNumber(m, 'schemaVersion', file);
  if (version !== RUN_SCHEMA_VERSION) {
    const which = version > RUN_SCHEMA_VERSION ? 'newer' : 'older';
    throw new Error(
      `${file}: schemaVersion ${version} is ${which} than this Promptsmith supports (${RUN_SCHEMA_VERSION}); ${which === 'newer' ? 'update the extension to read it' : 'this run was written by an older version and cannot be read'}`,
    );
  }
  const timings = expectRecord(m.timings, `${file}.timings`);
  const meta: RunMeta = {
    schemaVersion: version,
    id: expectString(m, 'id', file),
    kind: expectOneOf(m, 'kind', TASK_KINDS, file),
    name: expectString(m, 'name', file),
    model: expectString(m, 'model', file),
    device: expectString(m, 'device', file),
    settings: (isRecord(m.settings) ? m.settings : {}) as { [key: string]: Json },
    status: expectOneOf(m, 'status', TASK_STATUSES, file),
    timings: {
      createdAt: expectString(timings, 'createdAt', `${file}.timings`),
      updatedAt: expectString(timings, 'updatedAt', `${file}.timings`),
    },
  };
  const startedAt = optionalString(timings, 'startedAt', `${file}.timings`);
  if (startedAt !== undefined) meta.timings.startedAt = startedAt;
  const endedAt = optionalString(timings, 'endedAt', `${file}.timings`);
  if (endedAt !== undefined) meta.timings.endedAt = endedAt;
  for (const key of ['promptFile', 'promptSha256', 'message'] as const) {
    const v = optionalString(m, key, file);
    if (v !== undefined) meta[key] = v;
  }
  for (const key of ['seed', 'pid', 'attempts'] as const) {
    const v = optionalNumber(m, key, file);
    if (v !== undefined) meta[key] = v;
  }
  if (m.lastCheckpoint !== undefined) {
    const c = expectRecord(m.lastCheckpoint, `${file}.lastCheckpoint`);
    meta.lastCheckpoint = { step: expectNumber(c, 'step', `${file}.lastCheckpoint`), path: expectString(c, 'path', `${file}.lastCheckpoint`) };
  }
  return meta;
}

/**
 * run.json's `promptFile` as a file inside `workspaceDir`, or undefined when it leads outside (or
 * through a link outside). Run folders can come with a repository, so nothing they name outside
 * the workspace is opened, edited or tuned.
 */
export function promptFileInWorkspace(workspaceDir: string, promptFile: string): string | undefined {
  return confinedPath(workspaceDir, promptFile);
}

/**
 * A source range [start, end) a run recorded in its settings (`span` of a soft-prompt slot,
 * `slot` of an RL search); undefined when absent or not whole offsets 0 ≤ start ≤ end.
 */
export function recordedRange(meta: Pick<RunMeta, 'settings'> | undefined, key: 'span' | 'slot'): { start: number; end: number } | undefined {
  const range = meta?.settings[key];
  if (!isRecord(range)) return undefined;
  const { start, end } = range;
  return typeof start === 'number' && typeof end === 'number' && Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start ? { start, end } : undefined;
}
