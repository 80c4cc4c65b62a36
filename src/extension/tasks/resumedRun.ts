// Where a stopped run came from: its .prompt file and workspace, read back from run.json (whose
// promptFile is relative to the workspace folder that holds `.promptsmith/runs/<id>/`). A run
// folder can come with a repository, so a prompt file outside that workspace is refused.
import { join, resolve } from 'node:path';
import { promptFileInWorkspace, type RunMeta } from '../../runs/runMeta';

export type ResumedRun = { promptFile: string; workspaceDir: string; problem?: undefined } | { problem: string };

export function resumedRunTarget(dir: string, meta: RunMeta): ResumedRun {
  const workspaceDir = resolve(dir, '..', '..', '..');
  const recorded = join(dir, 'run.json');
  if (!meta.promptFile) return { problem: `${recorded} records no prompt file` };
  const promptFile = promptFileInWorkspace(workspaceDir, meta.promptFile);
  if (!promptFile) return { problem: `${recorded} names a prompt file outside the workspace (${meta.promptFile}); resume it with the CLI if you trust it` };
  return { promptFile, workspaceDir };
}
