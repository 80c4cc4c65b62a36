// `evaluate`: a .prompt file's classification task scored on a labelled dataset (its dev set by
// default), queued on its model like every long task, recorded as an 'eval' run when a
// workspace is given. Params are validated in the engine, the result in the client.
import {
  booleanArray,
  expectArray,
  expectNumber,
  expectRecord,
  expectString,
  numberOrNull,
  numberRecord,
  optionalBoolean,
  optionalNumber,
  optionalString,
  stringArray,
} from '../guards';
import { type PromptFileParams, parsePromptFileParams } from './promptFileParams';

export interface EvaluateParams extends PromptFileParams {
  /** Overrides the task's dev set (any JSONL/CSV whose fields match the schema, plus `label`). */
  data?: string;
  /** The file's text to evaluate instead of what is on disk (e.g. with a found prompt applied); paths still resolve from `promptFile`. */
  source?: string;
  /** Without `data`: also return, per split of the task, whether each row was right (for paired tests such as McNemar's). */
  predictions?: boolean;
  /** When set, the evaluation is recorded as a run under `<workspace>/.promptsmith/runs`. */
  workspaceDir?: string;
}

export interface LabelMetrics {
  precision: number;
  recall: number;
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  n: number;
  per_label: Record<string, LabelMetrics>;
  /** confusion[gold][predicted] = count */
  confusion: Record<string, Record<string, number>>;
}

export interface ExampleResult {
  line: number;
  prompt: string;
  gold: string;
  predicted: string;
  probs: Record<string, number>;
}

export interface PromptEvaluation extends ClassificationMetrics {
  calibrated: ClassificationMetrics & { prior: Record<string, number> };
  /** The rows the prompt got most wrong (lowest probability of the gold label). */
  worst: ExampleResult[];
  device: string;
  model: string;
  /** The dataset scored. */
  data: string;
  /** The run folder, when the evaluation was recorded. */
  runDir?: string;
  /** Without an explicit dataset: accuracy on each split of the task (null where it has none). */
  split_accuracy?: { train: number | null; dev: number | null; test: number | null };
  /** With `predictions`: per split scored, whether each row (in file order) was right. */
  split_correct?: { train?: boolean[]; dev?: boolean[]; test?: boolean[] };
  /** Data that invites self-deception (near-copies across splits, small sets, …), one sentence each. */
  warnings: string[];
  /** With a soft prompt: the same rows with the plain template, the adapter, its size and loss. */
  manual_accuracy?: number;
  soft_prompt?: string;
  num_virtual_tokens?: number;
  loss?: number;
}

export function parseEvaluateParams(params: unknown): EvaluateParams {
  const where = 'params';
  const p = expectRecord(params, where);
  return {
    ...parsePromptFileParams(p, where),
    data: optionalString(p, 'data', where),
    workspaceDir: optionalString(p, 'workspaceDir', where),
    predictions: optionalBoolean(p, 'predictions', where),
    source: optionalString(p, 'source', where),
  };
}

function parseMetrics(raw: unknown, where: string): ClassificationMetrics {
  const r = expectRecord(raw, where);
  const perLabel = expectRecord(r.per_label, `${where}.per_label`);
  const confusion = expectRecord(r.confusion, `${where}.confusion`);
  return {
    accuracy: expectNumber(r, 'accuracy', where),
    n: expectNumber(r, 'n', where),
    per_label: Object.fromEntries(
      Object.keys(perLabel).map((label) => {
        const m = numberRecord(perLabel[label], `${where}.per_label.${label}`);
        return [label, { precision: m.precision ?? 0, recall: m.recall ?? 0, support: m.support ?? 0 }];
      }),
    ),
    confusion: Object.fromEntries(Object.keys(confusion).map((gold) => [gold, numberRecord(confusion[gold], `${where}.confusion.${gold}`)])),
  };
}

function parseExample(raw: unknown, where: string): ExampleResult {
  const e = expectRecord(raw, where);
  return {
    line: expectNumber(e, 'line', where),
    prompt: expectString(e, 'prompt', where),
    gold: expectString(e, 'gold', where),
    predicted: expectString(e, 'predicted', where),
    probs: numberRecord(e.probs, `${where}.probs`),
  };
}

export function parsePromptEvaluation(raw: unknown): PromptEvaluation {
  const where = 'evaluate result';
  const r = expectRecord(raw, where);
  const calibrated = expectRecord(r.calibrated, `${where}.calibrated`);
  const evaluation: PromptEvaluation = {
    ...parseMetrics(r, where),
    calibrated: { ...parseMetrics(calibrated, `${where}.calibrated`), prior: numberRecord(calibrated.prior, `${where}.calibrated.prior`) },
    worst: expectArray(r, 'worst', where).map((w, i) => parseExample(w, `${where}.worst[${i}]`)),
    device: expectString(r, 'device', where),
    model: expectString(r, 'model', where),
    data: expectString(r, 'data', where),
    warnings: stringArray(r, 'warnings', where),
  };
  if (r.split_correct !== undefined) {
    const c = expectRecord(r.split_correct, `${where}.split_correct`);
    evaluation.split_correct = {};
    for (const split of ['train', 'dev', 'test'] as const) {
      if (c[split] !== undefined) evaluation.split_correct[split] = booleanArray(c, split, `${where}.split_correct`);
    }
  }
  if (r.split_accuracy !== undefined) {
    const s = expectRecord(r.split_accuracy, `${where}.split_accuracy`);
    evaluation.split_accuracy = { train: numberOrNull(s, 'train', `${where}.split_accuracy`), dev: numberOrNull(s, 'dev', `${where}.split_accuracy`), test: numberOrNull(s, 'test', `${where}.split_accuracy`) };
  }
  const runDir = optionalString(r, 'runDir', where);
  if (runDir !== undefined) evaluation.runDir = runDir;
  const softPrompt = optionalString(r, 'soft_prompt', where);
  if (softPrompt !== undefined) {
    evaluation.soft_prompt = softPrompt;
    for (const key of ['manual_accuracy', 'num_virtual_tokens', 'loss'] as const) {
      const v = optionalNumber(r, key, where);
      if (v !== undefined) evaluation[key] = v;
    }
  }
  return evaluation;
}
