// The runs of one .prompt file in the workspace's run store: which runs tuned it, and the newest
// completed one of some kinds (what the editor shows at the file after a reload). Plain fs, no
// vscode, so it is unit-tested on real run folders.
import { isAbsolute, resolve } from 'node:path';
import { FILE_LIMITS, readRegularFile } from '../../modelFiles/regularFile';
import type { TaskKind } from '../../protocol/taskEvents';
import { listRuns, type RunSummary } from '../../runs/runReader';

function samePath(a: string, b: string): boolean {
  return process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** Did this run tune `promptFile`? run.json keeps the path relative to the workspace when inside it. */
export function isRunOf(run: RunSummary, workspaceDir: string, promptFile: string): boolean {
  const recorded = run.meta?.promptFile;
  if (!recorded) return false;
  return samePath(isAbsolute(recorded) ? resolve(recorded) : resolve(workspaceDir, recorded), resolve(promptFile));
}

/** The newest completed run of `promptFile` of one of `kinds` (by end time, then folder name). */
export function findNewestCompletedRun(workspaceDir: string, promptFile: string, kinds: readonly TaskKind[]): RunSummary | undefined {
  const done = listRuns(workspaceDir).filter((r) => r.meta !== undefined && kinds.includes(r.meta.kind) && r.meta.status === 'completed' && isRunOf(r, workspaceDir, promptFile));
  const endOf = (r: RunSummary) => r.meta?.timings.endedAt ?? r.meta?.timings.updatedAt ?? '';
  done.sort((a, b) => endOf(b).localeCompare(endOf(a)) || b.id.localeCompare(a.id));
  return done[0];
}

/** A JSON file of a run (size-limited); errors name the file. */
export function readRunJson(file: string): unknown {
  const text = readRegularFile(file, FILE_LIMITS.json);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}
