// Where a stopped run came from: its .prompt file and workspace, read back from run.json (whose
// promptFile is relative to the workspace folder that holds `.promptsmith/runs/<id>/`).
import { isAbsolute, resolve } from 'node:path';
import type { RunMeta } from '../../runs/runMeta';

export function resumedRunTarget(dir: string, meta: RunMeta): { promptFile: string; workspaceDir: string } | undefined {
  const workspaceDir = resolve(dir, '..', '..', '..');
  if (!meta.promptFile) return undefined;
  return { promptFile: isAbsolute(meta.promptFile) ? meta.promptFile : resolve(workspaceDir, meta.promptFile), workspaceDir };
}
