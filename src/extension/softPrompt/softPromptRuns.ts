// Finds the soft prompt a .prompt file was last tuned to, from the workspace's run store, and
// reads what the editor shows about it (nearest vocabulary tokens, dev accuracy). Plain fs and no
// vscode, so it is unit-tested on real run folders. Never throws for a damaged run: the problem
// comes back as one line naming the file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../runs/runReader';
import { findNewestCompletedRun, readRunJson as readJson } from '../tasks/fileRuns';
import { NEAREST_TOKENS_FILE } from '../../engine/tuning/softprompt/nearestTokens';
import { ADAPTER_CONFIG } from '../../engine/tuning/softprompt/peft';
import { isRecord } from '../../protocol/guards';
import { parseTaskResult } from '../../protocol/taskEvents';

/** A vocabulary token near a virtual token; `similarity` is absent when only the token is known. */
export interface HintToken {
  id: number;
  token: string;
  similarity?: number;
}

export interface SoftPromptHint {
  runId: string;
  runDir: string;
  numVirtualTokens: number;
  /** Per virtual token, its nearest vocabulary tokens, closest first. */
  nearest: HintToken[][];
  devAcc?: number;
  manualDevAcc?: number;
  /** Held-out accuracy, when the task has a test split (reported, never selected on). */
  testAcc?: number;
  manualTestAcc?: number;
  /** The `{{softprompt "name"}}` slot the run filled, if it used one. */
  slot?: string;
  endedAt?: string;
}

export type HintRead = { hint: SoftPromptHint; problem?: undefined } | { hint?: undefined; problem: string };

/** Where a run's adapter is (and nearest_tokens.json beside it): its `out` folder, else adapter/ in the run. */
export function adapterDir(run: Pick<RunSummary, 'dir' | 'meta'>): string {
  const out = run.meta?.settings.out;
  return typeof out === 'string' ? out : join(run.dir, 'adapter');
}

export { isRunOf } from '../tasks/fileRuns';

/** The newest completed soft prompt run of `promptFile` (by end time, then folder name). */
export function findNewestSoftRun(workspaceDir: string, promptFile: string): RunSummary | undefined {
  return findNewestCompletedRun(workspaceDir, promptFile, ['soft']);
}

/** Validates nearest_tokens.json (NearestToken[][]); errors name the file and the position. */
export function parseNearestTokens(raw: unknown, file: string): HintToken[][] {
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array (one row per virtual token)`);
  return raw.map((row, i) => {
    if (!Array.isArray(row)) throw new Error(`${file}[${i}]: expected an array of tokens`);
    return row.map((t, j) => {
      const where = `${file}[${i}][${j}]`;
      if (!isRecord(t)) throw new Error(`${where}: expected { id, token, similarity }`);
      if (typeof t.token !== 'string') throw new Error(`${where}.token: expected a string`);
      if (typeof t.id !== 'number' || !Number.isInteger(t.id)) throw new Error(`${where}.id: expected an integer`);
      if (typeof t.similarity !== 'number' || !Number.isFinite(t.similarity)) throw new Error(`${where}.similarity: expected a finite number`);
      return { id: t.id, token: t.token, similarity: t.similarity };
    });
  });
}

/**
 * What the editor shows for a completed soft run: the nearest tokens from the adapter folder, or
 * (runs from before they were kept) each virtual token's closest token from result.json.
 */
export function readSoftPromptHint(run: RunSummary): HintRead {
  if (!run.meta) return { problem: run.problem ?? `${run.dir}: unreadable run` };
  try {
    const resultFile = join(run.dir, 'result.json');
    const result = existsSync(resultFile) ? parseTaskResult(readJson(resultFile), resultFile) : undefined;
    const nearestFile = join(adapterDir(run), NEAREST_TOKENS_FILE);
    let nearest: HintToken[][];
    if (existsSync(nearestFile)) nearest = parseNearestTokens(readJson(nearestFile), nearestFile);
    else {
      const best = result?.bestPrompts?.[0];
      if (!best) return { problem: `${nearestFile}: missing, and ${resultFile} has no best prompt to show` };
      nearest = best.tokens.map((token, i) => [{ id: best.ids[i] ?? -1, token }]);
    }
    const configFile = join(adapterDir(run), ADAPTER_CONFIG);
    const config = existsSync(configFile) ? readJson(configFile) : undefined;
    const configured = isRecord(config) && typeof config.num_virtual_tokens === 'number' ? config.num_virtual_tokens : undefined;
    const hint: SoftPromptHint = { runId: run.id, runDir: run.dir, numVirtualTokens: configured ?? nearest.length, nearest };
    const metrics = result?.metrics ?? {};
    if (metrics.dev_acc !== undefined) hint.devAcc = metrics.dev_acc;
    if (metrics.manual_dev_acc !== undefined) hint.manualDevAcc = metrics.manual_dev_acc;
    if (metrics.test_acc !== undefined) hint.testAcc = metrics.test_acc;
    if (metrics.manual_test_acc !== undefined) hint.manualTestAcc = metrics.manual_test_acc;
    if (typeof run.meta.settings.slot === 'string') hint.slot = run.meta.settings.slot;
    if (run.meta.timings.endedAt) hint.endedAt = run.meta.timings.endedAt;
    return { hint };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** The hint for the newest completed soft run of `promptFile`; undefined when it has none. */
export function newestSoftPromptHint(workspaceDir: string, promptFile: string): HintRead | undefined {
  const run = findNewestSoftRun(workspaceDir, promptFile);
  return run ? readSoftPromptHint(run) : undefined;
}
