// Paths that a file names (a partial, a weight shard, a run's prompt file) must stay inside the
// folder they belong to: `../../etc/passwd` or an absolute path there is refused, and so is a
// symbolic link that leads out of it.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/** Whether `path` is `folder` itself or lies under it, by their text (no file system access). */
export function isInsideFolder(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(folder, path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * `name` resolved against `folder` when it stays inside it, on disk too (symbolic links are
 * followed when the file exists); undefined when it leads out.
 */
export function confinedPath(folder: string, name: string): string | undefined {
  if (name.includes('\0')) return undefined;
  const path = resolve(folder, name);
  if (!isInsideFolder(folder, path)) return undefined;
  let real: string;
  let realFolder: string;
  try {
    real = realpathSync(path);
    realFolder = realpathSync(folder);
  } catch {
    return path; // not there (yet): its text is all there is to check
  }
  return isInsideFolder(realFolder, real) ? path : undefined;
}
