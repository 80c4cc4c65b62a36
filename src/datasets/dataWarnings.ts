// Data that invites self-deception, found before (or beside) any measurement: dev or test rows
// that are near-copies of training rows (dev then measures memorisation), an evaluation set too
// small to separate two prompts, a training set with one label, verbalizers of different token
// lengths. Shared by the language server (as diagnostics) and the engine (as result lines).
import type { DatasetRow } from './datasetFile';
import { nearDuplicatePairs, rowText } from './nearDuplicates';
import { wilsonInterval } from './wilson';

export type DataWarningCode = 'dev-near-train' | 'test-near-train' | 'small-eval-set' | 'single-label-train' | 'verbalizer-length' | 'no-test-split';

export interface DataWarning {
  code: DataWarningCode;
  message: string;
  /** The front-matter setting the warning is about (for the diagnostic's place). */
  about: { key: 'train' | 'dev' | 'test' | 'labels'; label?: string };
}

export interface SplitRows {
  /** Each row's compared text (rowText of its fields). */
  texts: readonly string[];
  /** Each row's 1-based line in its file. */
  lines: readonly number[];
  labels?: readonly (string | undefined)[];
}

/** A dataset's rows as the checks compare them (`exclude`: fields that are not the row's input). */
export function splitRows(rows: readonly DatasetRow[], exclude: readonly string[] = ['label']): SplitRows {
  return { texts: rows.map((r) => rowText(r.fields, exclude)), lines: rows.map((r) => r.line), labels: rows.map((r) => r.label) };
}

/** The widest 95 % half-width an evaluation set may have (Wilson at 50 %: 381 rows and more). */
export const SEPARATING_HALF_WIDTH = 0.05;

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function lineList(lines: readonly number[]): string {
  const shown = lines.slice(0, 5).join(', ');
  return lines.length > 5 ? `${shown}, …` : shown;
}

/** The 95 % interval of an accuracy on n rows, as people read it: "48–71%". */
export function intervalText(accuracy: number, n: number): string {
  const { low, high } = wilsonInterval(accuracy * n, n);
  return `${pct(low)}–${pct(high)}`;
}

/** Rows of `other` that are near-duplicates of a training row (by the documented measure). */
export function nearTrainWarning(train: SplitRows, other: SplitRows, which: 'dev' | 'test'): DataWarning | undefined {
  const hits = [...new Set(nearDuplicatePairs(train.texts, other.texts).map((p) => p.j))];
  if (hits.length === 0) return undefined;
  const share = hits.length / other.texts.length;
  const use = which === 'dev' ? 'dev accuracy then measures memorisation of the training rows, and selection on it favours prompts that memorise' : 'test accuracy then overstates how the prompt does on new data';
  return {
    code: which === 'dev' ? 'dev-near-train' : 'test-near-train',
    message: `${hits.length} of ${other.texts.length} ${which} rows (${pct(share)}) are near-copies of training rows (same words up to names, numbers and pronouns; lines ${lineList(hits.map((j) => other.lines[j]!))}): ${use}. Keep near-copies on one side: \`promptsmith split\` draws a test set by group.`,
    about: { key: which },
  };
}

/**
 * An evaluation set whose 95 % interval is wider than ±5 points at 50 % (the widest, so the
 * verdict is the set's, not one prompt's); the message gives the interval at `accuracy` when known.
 */
export function smallSetWarning(n: number, which: 'dev' | 'test', accuracy?: number): DataWarning | undefined {
  const widest = wilsonInterval(0.5 * n, n);
  const half = (widest.high - widest.low) / 2;
  if (n === 0 || half <= SEPARATING_HALF_WIDTH) return undefined;
  const p = accuracy ?? 0.5;
  const { low, high } = wilsonInterval(p * n, n);
  const measured = accuracy === undefined ? `an accuracy of 50% on ${n} rows is ${pct(low)}–${pct(high)}` : `the ${which} accuracy ${pct(p)} on ${n} rows is ${pct(low)}–${pct(high)}`;
  return {
    code: 'small-eval-set',
    message: `${which} has ${n} row${n === 1 ? '' : 's'}: ${measured} at 95% (Wilson interval), so two prompts less than about ${Math.round(half * 100)} points apart cannot be told apart on it.`,
    about: { key: which },
  };
}

export function singleLabelWarning(train: SplitRows): DataWarning | undefined {
  const labels = new Set((train.labels ?? []).filter((l) => l !== undefined));
  if (labels.size !== 1) return undefined;
  return {
    code: 'single-label-train',
    message: `every training row has the label '${[...labels][0]}': tuning can only learn to always answer it.`,
    about: { key: 'train' },
  };
}

/**
 * Verbalizers of different token lengths: a label's score sums its tokens' log-probabilities,
 * so a longer verbalizer starts lower and the prompt leans away from it (calibration and tuning
 * can offset that; single-token verbalizers avoid it).
 */
export function verbalizerLengthWarning(verbalizers: Record<string, string>, tokens: (verbalizer: string) => string[]): DataWarning | undefined {
  const lengths = Object.entries(verbalizers).map(([label, v]) => ({ label, verbalizer: v, pieces: tokens(v) }));
  const multi = lengths.filter((l) => l.pieces.length > 1);
  if (multi.length === 0 || new Set(lengths.map((l) => l.pieces.length)).size === 1) return undefined;
  const describe = lengths.map((l) => `'${l.label}' (${JSON.stringify(l.verbalizer)}) is ${l.pieces.length} token${l.pieces.length === 1 ? '' : 's'}${l.pieces.length > 1 ? ` (${l.pieces.join(' ')})` : ''}`).join(', ');
  return {
    code: 'verbalizer-length',
    message: `verbalizers of different lengths: ${describe}. A label's score sums the log-probabilities of its tokens, so longer verbalizers start at a disadvantage; prefer single-token verbalizers, or read the calibrated accuracy.`,
    about: { key: 'labels', label: multi[0]!.label },
  };
}

export function noTestWarning(): DataWarning {
  return {
    code: 'no-test-split',
    message: 'no test split: the dev accuracy was used for selection, so it overstates how the prompt does on new data. `promptsmith split` holds out a test set (near-copies kept together).',
    about: { key: 'dev' },
  };
}

export interface TaskWarningOptions {
  /** label → verbalizer (classification tasks). */
  verbalizers?: Record<string, string>;
  /** A text's token pieces under the model's tokenizer, when it is at hand. */
  tokenPieces?: (text: string) => string[];
  /** Measured accuracies make the small-set intervals exact. */
  accuracies?: { dev?: number; test?: number };
  /** Whether the task names a test split (default: whether `splits.test` was read). */
  hasTest?: boolean;
}

/** Every data warning of a task: its splits' rows, verbalizers, and whether it holds out a test set. */
export function taskWarnings(splits: { train?: SplitRows; dev?: SplitRows; test?: SplitRows }, options: TaskWarningOptions = {}): DataWarning[] {
  const { train, dev, test } = splits;
  const accuracies = options.accuracies ?? {};
  const warnings: (DataWarning | undefined)[] = [];
  if (train) warnings.push(singleLabelWarning(train));
  if (train && dev) warnings.push(nearTrainWarning(train, dev, 'dev'));
  if (train && test) warnings.push(nearTrainWarning(train, test, 'test'));
  if (dev) warnings.push(smallSetWarning(dev.texts.length, 'dev', accuracies.dev));
  if (test) warnings.push(smallSetWarning(test.texts.length, 'test', accuracies.test));
  if (options.verbalizers && options.tokenPieces) warnings.push(verbalizerLengthWarning(options.verbalizers, options.tokenPieces));
  if (dev && !(options.hasTest ?? test !== undefined)) warnings.push(noTestWarning());
  return warnings.filter((w): w is DataWarning => w !== undefined);
}
