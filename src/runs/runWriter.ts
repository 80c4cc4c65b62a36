// Writes runs: each run is a folder `.promptsmith/runs/<time>-<kind>-<name>/` in the workspace
// holding run.json (the record), metrics.jsonl (one task event per line), result.json and
// checkpoints/. Whole files are replaced atomically (temp + rename); metrics lines are appended
// with one write each, so concurrent writers never interleave inside a line.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { Json } from '../protocol/guards';
import { isFinalStatus, parseTaskEvent, type RecordedTaskEvent, type TaskKind, type TaskResult, type TaskStatus } from '../protocol/taskEvents';
import { writeJsonAtomic } from './atomicFile';
import { promptDigest } from './promptDigest';
import { parseRunMeta, RUN_SCHEMA_VERSION, RUNS_FOLDER, type RunMeta } from './runMeta';

export interface NewRunInfo {
  kind: TaskKind;
  /** Short human name; becomes part of the folder name (sanitised). */
  name: string;
  /** The .prompt file (absolute or relative to the workspace); its sha256 is recorded. */
  promptFile?: string;
  model: string;
  device: string;
  settings?: { [key: string]: Json };
  seed?: number;
  /** Defaults to 'queued'. */
  status?: TaskStatus;
}

export interface RunHandle {
  readonly dir: string;
  readonly id: string;
  meta(): RunMeta;
  /** Validates and appends one event to metrics.jsonl; status events also update run.json. */
  appendEvent(event: RecordedTaskEvent): void;
  setStatus(status: TaskStatus, message?: string): void;
  writeResult(result: TaskResult): void;
  /** An empty folder to write a checkpoint into; publish it with commitCheckpoint. */
  checkpointDir(step: number): string;
  /** Moves a finished checkpoint folder into place atomically and records it in run.json. */
  commitCheckpoint(step: number): string;
  /** Merges fields into run.json (e.g. the device actually used). */
  update(patch: Partial<Pick<RunMeta, 'device' | 'model' | 'settings' | 'seed' | 'message'>>): void;
  close(): void;
}

/** `<workspace>/.promptsmith/runs`. */
export function runsRoot(workspaceDir: string): string {
  return join(workspaceDir, RUNS_FOLDER);
}

/** "2026-11-27T01:15:00.123Z" → "20261127-011500". */
function folderTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

function safeName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return cleaned === '' ? 'run' : cleaned;
}

/** Creates a new run folder and its run.json. */
export function createRun(workspaceDir: string, info: NewRunInfo): RunHandle {
  const root = runsRoot(workspaceDir);
  mkdirSync(root, { recursive: true });
  const now = new Date();
  const base = `${folderTime(now)}-${info.kind}-${safeName(info.name)}`;
  // mkdir without `recursive` fails if the folder exists, so two processes never share a run.
  let id = base;
  for (let n = 2; ; n++) {
    try {
      mkdirSync(join(root, id));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      id = `${base}-${n}`;
    }
  }
  const dir = join(root, id);
  mkdirSync(join(dir, 'checkpoints'));

  const meta: RunMeta = {
    schemaVersion: RUN_SCHEMA_VERSION,
    id,
    kind: info.kind,
    name: info.name,
    model: info.model,
    device: info.device,
    settings: info.settings ?? {},
    status: info.status ?? 'queued',
    timings: { createdAt: now.toISOString(), updatedAt: now.toISOString() },
    pid: process.pid,
  };
  if (info.promptFile !== undefined) {
    const absolute = isAbsolute(info.promptFile) ? info.promptFile : resolve(workspaceDir, info.promptFile);
    const rel = relative(workspaceDir, absolute);
    meta.promptFile = rel.startsWith('..') || isAbsolute(rel) ? absolute : rel.split('\\').join('/');
    if (existsSync(absolute)) meta.promptSha256 = promptDigest(readFileSync(absolute));
  }
  if (info.seed !== undefined) meta.seed = info.seed;
  writeJsonAtomic(join(dir, 'run.json'), meta);
  return new FolderRun(dir, meta);
}

/** Opens an existing run to continue writing it (resume). Throws a message naming run.json. */
export function openRun(dir: string): RunHandle {
  const file = join(dir, 'run.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const meta = parseRunMeta(raw, file);
  meta.pid = process.pid;
  meta.attempts = (meta.attempts ?? 1) + 1;
  return new FolderRun(dir, meta);
}

class FolderRun implements RunHandle {
  readonly id: string;
  private metricsFd: number | undefined;

  constructor(
    readonly dir: string,
    private readonly record: RunMeta,
  ) {
    this.id = basename(dir);
  }

  meta(): RunMeta {
    return structuredClone(this.record);
  }

  appendEvent(event: RecordedTaskEvent): void {
    const valid = parseTaskEvent(event, `${this.id} event`);
    // One writeSync per line on an O_APPEND descriptor: the kernel places each whole line at the end.
    this.metricsFd ??= openSync(join(this.dir, 'metrics.jsonl'), 'a');
    writeSync(this.metricsFd, `${JSON.stringify(valid)}\n`);
    if (valid.type === 'status') this.applyStatus(valid.status, valid.message, valid.at);
    if (valid.type === 'checkpoint') {
      this.record.lastCheckpoint = { step: valid.step, path: valid.path };
      this.save();
    }
  }

  setStatus(status: TaskStatus, message?: string): void {
    const at = new Date().toISOString();
    this.appendEvent(message === undefined ? { type: 'status', status, at } : { type: 'status', status, at, message });
  }

  private applyStatus(status: TaskStatus, message: string | undefined, at: string): void {
    this.record.status = status;
    if (message !== undefined) this.record.message = message;
    else delete this.record.message;
    if (status === 'running') {
      this.record.timings.startedAt ??= at;
      delete this.record.timings.endedAt;
    }
    if (isFinalStatus(status)) this.record.timings.endedAt = at;
    this.save();
    if (isFinalStatus(status)) this.close();
  }

  writeResult(result: TaskResult): void {
    const event = parseTaskEvent({ type: 'result', result }, `${this.id} result`);
    writeJsonAtomic(join(this.dir, 'result.json'), event.type === 'result' ? event.result : result);
  }

  checkpointDir(step: number): string {
    const temp = join(this.dir, 'checkpoints', `.partial-${checkpointName(step)}`);
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    return temp;
  }

  commitCheckpoint(step: number): string {
    const name = checkpointName(step);
    const temp = join(this.dir, 'checkpoints', `.partial-${name}`);
    const final = join(this.dir, 'checkpoints', name);
    if (!existsSync(temp)) throw new Error(`${temp}: no checkpoint folder to commit (call checkpointDir(${step}) first)`);
    rmSync(final, { recursive: true, force: true });
    renameSync(temp, final);
    this.appendEvent({ type: 'checkpoint', step, path: `checkpoints/${name}` });
    return final;
  }

  update(patch: Partial<Pick<RunMeta, 'device' | 'model' | 'settings' | 'seed' | 'message'>>): void {
    Object.assign(this.record, patch);
    this.save();
  }

  close(): void {
    if (this.metricsFd !== undefined) closeSync(this.metricsFd);
    this.metricsFd = undefined;
  }

  private save(): void {
    this.record.timings.updatedAt = new Date().toISOString();
    writeJsonAtomic(join(this.dir, 'run.json'), this.record);
  }
}

function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}
