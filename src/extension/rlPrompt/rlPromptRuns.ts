// What the editor knows about the discrete prompts found for a .prompt file: live from a running
// search, or read back from the newest completed RL / random-search run in the workspace's run
// store (its result.json names the prompts file, which holds the whole engine result: slot,
// hand-written scores, prompts). Plain fs, no vscode; a damaged run comes back as one line.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { bestPromptRowsOf, parseTuneRlResult, type RlSearchMethod, type TuneRlResult, type WrittenSlotScores } from '../../protocol/methods/tuneRl';
import { type BestPromptRow, parseTaskResult } from '../../protocol/taskEvents';
import type { RunSummary } from '../../runs/runReader';
import { findNewestCompletedRun, readRunJson } from '../tasks/fileRuns';
import type { SlotRange } from './rlSlot';

export type RlViewStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface RlPromptsView {
  method: RlSearchMethod;
  status: RlViewStatus;
  runId?: string;
  /** Progress of a running search. */
  step?: number;
  totalSteps?: number;
  /** Best first (by dev accuracy, then reward). */
  prompts: BestPromptRow[];
  /** The slot's hand-written text and its accuracies (known once the run has finished). */
  written?: WrittenSlotScores;
  /** false while running or after a cancel: the accuracies are the search's own, test is not measured. */
  measured: boolean;
  /** The slot as the run recorded it, in the file it read. */
  slot?: SlotRange & { kind: 'range' | 'marker' | 'end' };
  /** sha256 of the file the run read (run.json), to trust `slot` as it is. */
  promptSha256?: string;
  endedAt?: string;
}

export type RlRead = { view: RlPromptsView; problem?: undefined } | { view?: undefined; problem: string };

export const RL_KINDS = ['rl', 'random'] as const;

/** The view of a finished search. */
export function viewOfResult(result: TuneRlResult, runId?: string): RlPromptsView {
  const view: RlPromptsView = {
    method: result.method,
    status: result.cancelled ? 'cancelled' : 'completed',
    prompts: bestPromptRowsOf(result.prompts),
    written: result.written,
    measured: result.measured,
    slot: result.slot,
    step: result.steps_run,
  };
  if (runId !== undefined) view.runId = runId;
  return view;
}

/** Every text the slot can hold for this view (to find it again after edits the editor missed). */
export function slotCandidates(view: RlPromptsView): string[] {
  return [...(view.written ? [view.written.text] : []), ...view.prompts.map((p) => p.text)];
}

/** Reads a completed RL or random-search run: result.json → its prompts file → the engine result. */
export function readRlPromptsView(run: RunSummary): RlRead {
  if (!run.meta) return { problem: run.problem ?? `${run.dir}: unreadable run` };
  try {
    const resultFile = join(run.dir, 'result.json');
    if (!existsSync(resultFile)) return { problem: `${resultFile}: missing (the run recorded no result)` };
    const record = parseTaskResult(readRunJson(resultFile), resultFile);
    const artifact = record.artifacts?.prompts;
    if (artifact === undefined) return { problem: `${resultFile}: names no prompts file (artifacts.prompts)` };
    // Inside the run folder it is relative; a run with `out` elsewhere records the absolute path.
    const promptsFile = isAbsolute(artifact) ? artifact : join(run.dir, artifact);
    let result: TuneRlResult;
    try {
      result = parseTuneRlResult(readRunJson(promptsFile));
    } catch (err) {
      return { problem: `${promptsFile}: ${(err as Error).message}` };
    }
    const view = viewOfResult(result, run.id);
    if (run.meta.promptSha256 !== undefined) view.promptSha256 = run.meta.promptSha256;
    if (run.meta.timings.endedAt !== undefined) view.endedAt = run.meta.timings.endedAt;
    return { view };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** The prompts of the newest completed RL or random-search run of `promptFile`; undefined when it has none. */
export function newestRlPrompts(workspaceDir: string, promptFile: string): RlRead | undefined {
  const run = findNewestCompletedRun(workspaceDir, promptFile, RL_KINDS);
  return run ? readRlPromptsView(run) : undefined;
}
