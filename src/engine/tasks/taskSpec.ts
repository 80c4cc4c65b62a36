// The classification task of a .prompt file (`promptsmith.task`), with dataset paths resolved
// against the file's folder so a task means the same thing from the editor, the CLI and CI.
import { dirname, isAbsolute, resolve } from 'node:path';

export interface TaskSpec {
  /** Training set (JSONL or CSV), absolute. */
  train?: string;
  /** Development set (JSONL or CSV), absolute. */
  dev?: string;
  /** Held-out test set (JSONL or CSV), absolute: only ever reported, never used for selection. */
  test?: string;
  /** label → verbalizer (the continuation whose log-probability scores the label). */
  labels: Record<string, string>;
}

export interface RawTaskSpec {
  train?: string;
  dev?: string;
  test?: string;
  labels?: Record<string, string>;
}

export class TaskSpecError extends Error {}

export function resolveTaskSpec(raw: RawTaskSpec | undefined, promptFile: string): TaskSpec {
  const where = `${promptFile}: promptsmith.task`;
  if (!raw) throw new TaskSpecError(`${where} is missing (add train/dev datasets and labels to the front matter)`);
  const labels = raw.labels ?? {};
  if (Object.keys(labels).length < 2) throw new TaskSpecError(`${where}.labels needs at least two labels (label: verbalizer)`);
  for (const [label, verbalizer] of Object.entries(labels)) {
    if (typeof verbalizer !== 'string' || verbalizer.length === 0) throw new TaskSpecError(`${where}.labels.${label} needs a verbalizer string`);
  }
  const base = dirname(promptFile);
  const abs = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p));
  return { train: abs(raw.train), dev: abs(raw.dev), test: abs(raw.test), labels };
}
