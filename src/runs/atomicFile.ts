// Whole-file writes that a reader (or a run resumed after a crash) never sees half done: write a
// temp file in the same folder, then rename it over the target. Used for run records and for
// every checkpoint the trainers write.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes a whole file so readers never see half of it: temp file in the same folder, then rename. */
export function writeFileAtomic(path: string, content: string): void {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(temp, content);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
