// Messages between the runs panel (webview) and the extension host, as discriminated unions on
// `type`. The extension validates every message FROM the webview (parsePanelToExtension); the
// webview validates what it receives too (parseExtensionToPanel). Bad messages are logged and
// dropped by the receiver.
import { expectOneOf, expectRecord, expectString, isRecord, optionalString, ProtocolError } from './guards';
import {
  type BestPromptRow,
  parseBestPromptRow,
  parseTaskEvent,
  parseTaskResult,
  type ProgressEvent,
  TASK_KINDS,
  TASK_STATUSES,
  type TaskEvent,
  type TaskKind,
  type TaskResult,
  type TaskStatus,
} from './taskEvents';

/** Progress metrics in columns, one entry per progress event; null where a metric was absent. */
export interface MetricSeries {
  step: number[];
  loss: (number | null)[];
  reward: (number | null)[];
  train_acc: (number | null)[];
  dev_acc: (number | null)[];
}

export const SERIES_METRICS = ['loss', 'reward', 'train_acc', 'dev_acc'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

/** One row of the history list. Damaged runs have `problem` and little else. */
export interface RunListItem {
  id: string;
  kind?: TaskKind;
  name?: string;
  promptFile?: string;
  model?: string;
  device?: string;
  status?: TaskStatus;
  createdAt?: string;
  problem?: string;
  interrupted: boolean;
  resumable: boolean;
}

/** A task the extension is watching live. */
export interface LiveRunInfo {
  runId: string;
  label: string;
  kind: TaskKind;
  model: string;
  device: string;
  status: TaskStatus;
  promptFile?: string;
}

export interface RunDetailView {
  item: RunListItem;
  series: MetricSeries;
  bestPrompts: BestPromptRow[];
  result?: TaskResult;
  last?: ProgressEvent;
  warnings: string[];
}

export type ExtensionToPanel =
  | { type: 'history'; runs: RunListItem[] }
  | { type: 'liveRun'; run: LiveRunInfo }
  | { type: 'taskEvents'; runId: string; events: TaskEvent[] }
  | { type: 'runDetail'; detail: RunDetailView }
  | { type: 'notice'; level: 'info' | 'error'; message: string }
  /** Show this run in the History tab (sent after a history listing that has it). */
  | { type: 'openRun'; runId: string };

export type TaskAction = 'pause' | 'resume' | 'cancel';

export type PanelToExtension =
  | { type: 'ready' }
  | { type: 'refreshHistory' }
  | { type: 'loadRuns'; runIds: string[] }
  | { type: 'applyPrompt'; runId: string; text: string }
  | { type: 'taskControl'; action: TaskAction; runId: string }
  | { type: 'resumeRun'; runId: string };

/** Run ids are folder names: no separators, no "..", so they can never address another path. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
export const MAX_APPLY_TEXT = 20_000;
export const MAX_LOAD_RUNS = 8;

export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id) && !id.includes('..');
}

function expectRunId(obj: Record<string, unknown>, key: string, where: string): string {
  const id = expectString(obj, key, where);
  if (!isValidRunId(id)) throw new ProtocolError(`${where}.${key}: not a run id`);
  return id;
}

/** Validates a message from the webview. Throws ProtocolError naming the bad field. */
export function parsePanelToExtension(raw: unknown): PanelToExtension {
  const where = 'panel message';
  const m = expectRecord(raw, where);
  const type = expectOneOf(m, 'type', ['ready', 'refreshHistory', 'loadRuns', 'applyPrompt', 'taskControl', 'resumeRun'] as const, where);
  switch (type) {
    case 'ready':
    case 'refreshHistory':
      return { type };
    case 'loadRuns': {
      const ids = expectArray(m.runIds, `${where}.runIds`);
      if (ids.length === 0 || ids.length > MAX_LOAD_RUNS) throw new ProtocolError(`${where}.runIds: expected 1 to ${MAX_LOAD_RUNS} run ids`);
      return { type, runIds: ids.map((id, i) => expectRunId({ id }, 'id', `${where}.runIds[${i}]`)) };
    }
    case 'applyPrompt': {
      const text = expectString(m, 'text', where);
      if (text.length === 0 || text.length > MAX_APPLY_TEXT) throw new ProtocolError(`${where}.text: expected 1 to ${MAX_APPLY_TEXT} characters`);
      return { type, runId: expectRunId(m, 'runId', where), text };
    }
    case 'taskControl':
      return { type, action: expectOneOf(m, 'action', ['pause', 'resume', 'cancel'] as const, where), runId: expectRunId(m, 'runId', where) };
    case 'resumeRun':
      return { type, runId: expectRunId(m, 'runId', where) };
  }
}

/** Validates a message from the extension (in the webview). */
export function parseExtensionToPanel(raw: unknown): ExtensionToPanel {
  const where = 'extension message';
  const m = expectRecord(raw, where);
  const type = expectOneOf(m, 'type', ['history', 'liveRun', 'taskEvents', 'runDetail', 'notice', 'openRun'] as const, where);
  switch (type) {
    case 'history':
      return { type, runs: expectArray(m.runs, `${where}.runs`).map((r, i) => parseRunListItem(r, `${where}.runs[${i}]`)) };
    case 'liveRun':
      return { type, run: parseLiveRunInfo(m.run, `${where}.run`) };
    case 'taskEvents':
      return {
        type,
        runId: expectRunId(m, 'runId', where),
        events: expectArray(m.events, `${where}.events`).map((e, i) => parseTaskEvent(e, `${where}.events[${i}]`)),
      };
    case 'runDetail':
      return { type, detail: parseRunDetailView(m.detail, `${where}.detail`) };
    case 'notice':
      return { type, level: expectOneOf(m, 'level', ['info', 'error'] as const, where), message: expectString(m, 'message', where) };
    case 'openRun':
      return { type, runId: expectRunId(m, 'runId', where) };
  }
}

function parseRunListItem(raw: unknown, where: string): RunListItem {
  const r = expectRecord(raw, where);
  const item: RunListItem = { id: expectRunId(r, 'id', where), interrupted: r.interrupted === true, resumable: r.resumable === true };
  if (r.kind !== undefined) item.kind = expectOneOf(r, 'kind', TASK_KINDS, where);
  if (r.status !== undefined) item.status = expectOneOf(r, 'status', TASK_STATUSES, where);
  for (const key of ['name', 'promptFile', 'model', 'device', 'createdAt', 'problem'] as const) {
    const v = optionalString(r, key, where);
    if (v !== undefined) item[key] = v;
  }
  return item;
}

function parseLiveRunInfo(raw: unknown, where: string): LiveRunInfo {
  const r = expectRecord(raw, where);
  const info: LiveRunInfo = {
    runId: expectRunId(r, 'runId', where),
    label: expectString(r, 'label', where),
    kind: expectOneOf(r, 'kind', TASK_KINDS, where),
    model: expectString(r, 'model', where),
    device: expectString(r, 'device', where),
    status: expectOneOf(r, 'status', TASK_STATUSES, where),
  };
  const promptFile = optionalString(r, 'promptFile', where);
  if (promptFile !== undefined) info.promptFile = promptFile;
  return info;
}

function parseRunDetailView(raw: unknown, where: string): RunDetailView {
  const d = expectRecord(raw, where);
  const s = expectRecord(d.series, `${where}.series`);
  const step = expectNumberOrNullArray(s.step, `${where}.series.step`);
  if (step.some((v) => v === null)) throw new ProtocolError(`${where}.series.step: expected numbers only`);
  const series: MetricSeries = { step: step as number[], loss: [], reward: [], train_acc: [], dev_acc: [] };
  for (const key of SERIES_METRICS) {
    series[key] = expectNumberOrNullArray(s[key], `${where}.series.${key}`);
    if (series[key].length !== series.step.length) throw new ProtocolError(`${where}.series.${key}: length differs from step`);
  }
  const detail: RunDetailView = {
    item: parseRunListItem(d.item, `${where}.item`),
    series,
    bestPrompts: expectArray(d.bestPrompts, `${where}.bestPrompts`).map((r, i) => parseBestPromptRow(r, `${where}.bestPrompts[${i}]`)),
    warnings: expectArray(d.warnings, `${where}.warnings`).map((w, i) => {
      if (typeof w !== 'string') throw new ProtocolError(`${where}.warnings[${i}]: expected a string`);
      return w;
    }),
  };
  if (d.result !== undefined) detail.result = parseTaskResult(d.result, `${where}.result`);
  if (isRecord(d.last)) {
    const last = parseTaskEvent({ ...d.last, type: 'progress' }, `${where}.last`);
    if (last.type === 'progress') detail.last = last;
  }
  return detail;
}

function expectArray(raw: unknown, where: string): unknown[] {
  if (!Array.isArray(raw)) throw new ProtocolError(`${where}: expected an array`);
  return raw;
}

function expectNumberOrNullArray(raw: unknown, where: string): (number | null)[] {
  const values = expectArray(raw, where);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new ProtocolError(`${where}[${i}]: expected a finite number or null`);
  }
  return values as (number | null)[];
}

export function emptySeries(): MetricSeries {
  return { step: [], loss: [], reward: [], train_acc: [], dev_acc: [] };
}

/**
 * Appends one progress event's metrics to the columns. A step at or before the last one (events
 * replayed to a reopened panel, or a run resumed from an earlier checkpoint) replaces the points
 * from that step on, so the x values stay increasing, as the charts require.
 */
export function appendToSeries(series: MetricSeries, event: ProgressEvent): void {
  let keep = series.step.length;
  while (keep > 0 && series.step[keep - 1]! >= event.step) keep--;
  if (keep < series.step.length) {
    series.step.length = keep;
    for (const key of SERIES_METRICS) series[key].length = keep;
  }
  series.step.push(event.step);
  for (const key of SERIES_METRICS) series[key].push(event[key] ?? null);
}

export function seriesFromEvents(events: readonly TaskEvent[]): MetricSeries {
  const series = emptySeries();
  for (const event of events) if (event.type === 'progress') appendToSeries(series, event);
  return series;
}
