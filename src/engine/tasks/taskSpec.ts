// The classification task of a .prompt file (`promptsmith.task`), with dataset paths resolved
// against the file's folder so a task means the same thing from the editor, the CLI and CI.
import { dirname, isAbsolute, resolve } from 'node:path';

export interface TaskSpec {
  /** Training set (JSONL or CSV), absolute. */
  train?: string;
  /** Development set (JSONL or CSV), absolute. */
  dev?: string;
  /** Held-out test set, absolute: reported, never used to select. */
  test?: string;
  /** label → verbalizer (the continuation whose log-probability scores the label); {} for generation tasks. */
  labels: Record<string, string>;
  /** Generation tasks: how an output is scored against the row's reference. */
  metric?: GenerationMetric;
  /** Generation tasks: the dataset field with the reference output. */
  reference?: string;
}

export const GENERATION_METRICS = ['exact', 'contains', 'regex', 'loglik'] as const;
export type GenerationMetric = (typeof GENERATION_METRICS)[number];

export interface RawTaskSpec {
  train?: string;
  dev?: string;
  test?: string;
  labels?: Record<string, string>;
  metric?: string;
  reference?: string;
}

export class TaskSpecError extends Error {}

/** `allowGeneration`: a task with a `metric` and no labels is accepted (RL prompt tuning scores generations). */
export function resolveTaskSpec(raw: RawTaskSpec | undefined, promptFile: string, options: { allowGeneration?: boolean } = {}): TaskSpec {
  const where = `${promptFile}: promptsmith.task`;
  if (!raw) throw new TaskSpecError(`${where} is missing (add train/dev datasets and labels to the front matter)`);
  const labels = raw.labels ?? {};
  if (raw.metric !== undefined && !(GENERATION_METRICS as readonly string[]).includes(raw.metric)) {
    throw new TaskSpecError(`${where}.metric must be one of ${GENERATION_METRICS.join(', ')}, got ${JSON.stringify(raw.metric)}`);
  }
  const metric = raw.metric as GenerationMetric | undefined;
  if ((metric === undefined || !options.allowGeneration) && Object.keys(labels).length < 2) throw new TaskSpecError(`${where}.labels needs at least two labels (label: verbalizer)`);
  for (const [label, verbalizer] of Object.entries(labels)) {
    if (typeof verbalizer !== 'string' || verbalizer.length === 0) throw new TaskSpecError(`${where}.labels.${label} needs a verbalizer string`);
  }
  const base = dirname(promptFile);
  const abs = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p));
  const generation = metric === undefined ? {} : { metric, reference: raw.reference ?? 'output' };
  return { train: abs(raw.train), dev: abs(raw.dev), test: abs(raw.test), labels, ...generation };
}
