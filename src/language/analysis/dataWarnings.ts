// The data warnings of src/datasets/dataWarnings.ts as diagnostics on the `promptsmith.task`
// keys: near-copies across splits, evaluation sets too small to separate two prompts, one training
// label, verbalizers of different token lengths, no test split. Cheap and bounded: only dataset
// files up to MAX_DATASET_BYTES are read, each parsed once per (size, mtime).
import { statSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDataset } from '../../datasets/datasetFile';
import { type DataWarning, type SplitRows, splitRows, taskWarnings } from '../../datasets/dataWarnings';
import { type PromptFileProblem, spanOf } from '../../promptFile/promptFile';
import type { PromptAnalysis } from './diagnostics';

/** Larger datasets are not read while typing (the engine still warns in results). */
export const MAX_DATASET_BYTES = 1024 * 1024;

const SEVERITY: Record<DataWarning['code'], PromptFileProblem['severity']> = {
  'dev-near-train': 'warning',
  'test-near-train': 'warning',
  'small-eval-set': 'warning',
  'single-label-train': 'warning',
  'verbalizer-length': 'warning',
  'no-test-split': 'information',
};

const cache = new Map<string, { key: string; rows: SplitRows | undefined }>();

/** A dataset's rows as the checks compare them; undefined when missing, too large or invalid. */
export function datasetRows(file: string): SplitRows | undefined {
  let key: string;
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_DATASET_BYTES) return undefined;
    key = `${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
  const hit = cache.get(file);
  if (hit?.key === key) return hit.rows;
  let rows: SplitRows | undefined;
  try {
    rows = splitRows(parseDataset(file, readFileSync(file, 'utf8')).rows);
  } catch {
    // Bad rows are the engine's to report, with their lines; no data warnings then.
    rows = undefined;
  }
  if (cache.size > 64) cache.clear();
  cache.set(file, { key, rows });
  return rows;
}

export interface DataCheckEnvironment {
  filePath?: string;
  readDataset(file: string): SplitRows | undefined;
  /** The verbalizer's token pieces, when the model's tokenizer is at hand. */
  tokenPieces?(text: string): string[];
}

export function checkData(analysis: PromptAnalysis, env: DataCheckEnvironment): PromptFileProblem[] {
  const { parsed } = analysis;
  const task = parsed.task;
  if (!task) return [];
  const base = env.filePath ? dirname(env.filePath) : undefined;
  const read = (file: string | undefined) => {
    if (file === undefined) return undefined;
    const abs = isAbsolute(file) ? file : base ? resolve(base, file) : undefined;
    return abs ? env.readDataset(abs) : undefined;
  };
  const splits = { train: read(task.train), dev: read(task.dev), test: read(task.test) };
  const warnings = taskWarnings(splits, { verbalizers: task.labels, tokenPieces: env.tokenPieces, hasTest: task.test !== undefined });
  const problems: PromptFileProblem[] = [];
  for (const w of warnings) {
    const path = w.about.key === 'labels' ? ['promptsmith.task', 'labels', w.about.label!] : ['promptsmith.task', w.about.key];
    const span = spanOf(parsed, path, 'value') ?? spanOf(parsed, ['promptsmith.task'], 'key');
    // Test is only reported, so its size informs rather than warns.
    const severity = w.code === 'small-eval-set' && w.about.key === 'test' ? 'information' : SEVERITY[w.code];
    if (span) problems.push({ code: w.code, severity, message: w.message, ...span });
  }
  return problems;
}
