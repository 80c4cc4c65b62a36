// Turns run store records into what the panel shows (list rows and run details). Plain fs through
// the run store reader, no 'vscode', so it is unit-tested on real run folders.
import { listRuns, readRun, type RunSummary } from '../../runs/runReader';
import { isValidRunId, type RunDetailView, type RunListItem, seriesFromEvents } from '../../protocol/panelMessages';
import type { ProgressEvent } from '../../protocol/taskEvents';

export function toListItem(summary: RunSummary): RunListItem {
  const item: RunListItem = { id: summary.id, interrupted: summary.interrupted, resumable: summary.resumable };
  const meta = summary.meta;
  if (summary.problem) item.problem = summary.problem;
  if (meta) {
    item.kind = meta.kind;
    item.name = meta.name;
    item.model = meta.model;
    item.device = meta.device;
    item.status = meta.status;
    item.createdAt = meta.timings.createdAt;
    if (meta.promptFile) item.promptFile = meta.promptFile;
  }
  return item;
}

/** All runs of the given workspace folders, newest first, with a map from run id to folder. */
export function listWorkspaceRuns(workspaceDirs: readonly string[]): { items: RunListItem[]; dirs: Map<string, string> } {
  const dirs = new Map<string, string>();
  const summaries: RunSummary[] = [];
  for (const ws of workspaceDirs) {
    for (const summary of listRuns(ws)) {
      // Folder names the panel protocol cannot carry (renamed by hand) are skipped, not sent.
      if (!isValidRunId(summary.id) || dirs.has(summary.id)) continue;
      dirs.set(summary.id, summary.dir);
      summaries.push(summary);
    }
  }
  summaries.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return { items: summaries.map(toListItem), dirs };
}

export function runDetailView(dir: string): RunDetailView {
  const detail = readRun(dir);
  let last: ProgressEvent | undefined;
  for (const event of detail.events) if (event.type === 'progress') last = event;
  const view: RunDetailView = {
    item: toListItem(detail),
    series: seriesFromEvents(detail.events),
    bestPrompts: detail.bestPrompts,
    warnings: detail.warnings,
  };
  if (detail.result) view.result = detail.result;
  if (last) view.last = last;
  return view;
}
