// What a resumed run must share with the run that wrote its checkpoint: the settings that shape
// it, and the task it learns from and selects on. Saved state (weights, optimizer moments, the
// best so far, rewards) measured on one task must never continue on another, or the numbers the
// run reports would mix two tasks (a template edited while the run was paused, data changed).
import { createHash } from 'node:crypto';

export type Fingerprint = Record<string, string | number | boolean>;

/** A short, stable hash of what a run learns from and selects on (its examples, labels, targets). */
export function taskDigest(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/**
 * Throws unless `now` matches the checkpoint's `saved` fingerprint, naming what differs. A `task`
 * that an older checkpoint does not have is not compared (it was written before tasks were).
 */
export function checkResumable(resume: string, saved: Record<string, unknown>, now: Fingerprint): void {
  for (const [k, v] of Object.entries(now)) {
    if (k === 'task' && saved.task === undefined) continue;
    if (k === 'task' && saved.task !== v) {
      throw new Error(`${resume}: the task changed since the checkpoint (the prompt template, the data or the labels); a resumed run must learn the same task: restore them or start a new run`);
    }
    if (saved[k] !== v) throw new Error(`${resume}: checkpoint was made with ${k} = ${saved[k]}, this run has ${v}`);
  }
}
