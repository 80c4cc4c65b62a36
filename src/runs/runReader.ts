// Reads runs back for the panel, the CLI and resume. Never throws for a damaged run: the problem
// comes back as a one-line message naming the file, so the panel can show it instead of nothing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type BestPromptRow, isFinalStatus, parseTaskEvent, parseTaskResult, type TaskEvent, type TaskResult } from '../protocol/taskEvents';
import { parseRunMeta, type RunMeta } from './runMeta';
import { FILE_LIMITS, readRegularFile } from '../modelFiles/regularFile';
import { runsRoot } from './runWriter';

export interface RunSummary {
  id: string;
  dir: string;
  /** Absent when run.json cannot be read; then `problem` says why. */
  meta?: RunMeta;
  problem?: string;
  /** Still marked running/paused/queued, but its process is gone (crash, kill, reload). */
  interrupted: boolean;
  /** Can be continued: cancelled, failed or interrupted (from its last checkpoint if any). */
  resumable: boolean;
}

export interface MetricsRead {
  events: TaskEvent[];
  /** Lines skipped, each naming file and line (a truncated last line is expected after a crash). */
  warnings: string[];
}

export interface RunDetail extends RunSummary {
  events: TaskEvent[];
  result?: TaskResult;
  /** The last best-prompts table seen in metrics.jsonl, or the result's. */
  bestPrompts: BestPromptRow[];
  warnings: string[];
}

/** All run folders of a workspace, newest first. */
export function listRuns(workspaceDir: string): RunSummary[] {
  const root = runsRoot(workspaceDir);
  if (!existsSync(root)) return [];
  const ids = readdirSync(root)
    .filter((name) => !name.startsWith('.') && isDirectory(join(root, name)))
    .sort()
    .reverse();
  return ids.map((id) => readRunSummary(join(root, id)));
}

export function readRunSummary(dir: string): RunSummary {
  const id = dir.split(/[\\/]/).pop() ?? dir;
  const file = join(dir, 'run.json');
  if (!existsSync(file)) return { id, dir, problem: `${file}: missing (not a run folder, or it was damaged)`, interrupted: false, resumable: false };
  let meta: RunMeta;
  try {
    const text = readRegularFile(file, FILE_LIMITS.json);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
    }
    meta = parseRunMeta(raw, file);
  } catch (err) {
    return { id, dir, problem: (err as Error).message, interrupted: false, resumable: false };
  }
  const interrupted = !isFinalStatus(meta.status) && meta.status !== 'queued' && !isProcessAlive(meta.pid);
  const resumable = interrupted || meta.status === 'cancelled' || meta.status === 'failed';
  return { id, dir, meta, interrupted, resumable };
}

/** Everything about one run: record, events, result. */
export function readRun(dir: string): RunDetail {
  const summary = readRunSummary(dir);
  const { events, warnings } = readMetrics(join(dir, 'metrics.jsonl'));
  const detail: RunDetail = { ...summary, events, warnings, bestPrompts: [] };
  const resultFile = join(dir, 'result.json');
  if (existsSync(resultFile)) {
    try {
      detail.result = parseTaskResult(JSON.parse(readRegularFile(resultFile, FILE_LIMITS.json)), resultFile);
    } catch (err) {
      warnings.push(err instanceof SyntaxError ? `${resultFile}: not valid JSON (${err.message})` : (err as Error).message);
    }
  }
  for (const event of events) if (event.type === 'bestPrompts') detail.bestPrompts = event.rows;
  if (detail.bestPrompts.length === 0 && detail.result?.bestPrompts) detail.bestPrompts = detail.result.bestPrompts;
  return detail;
}

/** Parses metrics.jsonl; skips bad lines with a warning, a truncated last line quietly noted. */
export function readMetrics(file: string): MetricsRead {
  if (!existsSync(file)) return { events: [], warnings: [] };
  let text: string;
  try {
    text = readRegularFile(file, FILE_LIMITS.dataset);
  } catch (err) {
    return { events: [], warnings: [(err as Error).message] };
  }
  const lines = text.split('\n');
  const endsCleanly = text.endsWith('\n');
  const events: TaskEvent[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const isLast = i === lines.length - 1;
    try {
      events.push(parseTaskEvent(JSON.parse(line), `${file} line ${i + 1}`));
    } catch (err) {
      if (isLast && !endsCleanly) warnings.push(`${file} line ${i + 1}: truncated last line ignored (the run was interrupted while writing)`);
      else warnings.push(err instanceof SyntaxError ? `${file} line ${i + 1}: not valid JSON, skipped` : `${(err as Error).message}, skipped`);
    }
  }
  return { events, warnings };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True if a process with this id exists (signal 0 only checks). Unknown pid counts as gone. */
export function isProcessAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
