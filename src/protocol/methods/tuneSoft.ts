// `tuneSoft`: soft prompt tuning (Lester et al. 2021) of a .prompt file's model on its task, as a
// queued task recorded in a run folder. Overrides are checked against the same settings table
// that validates `promptsmith.softPrompt` in the front matter, so both say the same thing.
import type { PromptsmithSoftPrompt } from '../../promptFile/promptFile';
import { SOFT_PROMPT_SETTINGS, settingsProblems } from '../../promptFile/promptsmithSettings';
import { expectArray, expectBoolean, expectNumber, expectOneOf, expectRecord, expectString, numberOrNull, optionalOneOf, optionalString, ProtocolError, stringArray } from '../guards';
import { ENGINE_DEVICES, type EngineDevice } from '../modelApi';
import { parseTuningTaskParams, type TuningTaskParams } from './tuningTaskParams';

/** Settings that win over the file's promptsmith.softPrompt (the saved `adapter` is not one). */
export type SoftPromptOverrides = Partial<Omit<PromptsmithSoftPrompt, 'adapter'>>;

export interface TuneSoftParams extends TuningTaskParams {
  promptFile: string;
  overrides?: SoftPromptOverrides;
  /** Adapter folder; default: `adapter/` inside the run folder. */
  out?: string;
  device?: EngineDevice;
  /** Checkpoint every this many steps (default: evalEvery). */
  checkpointEvery?: number;
}

export interface NearestToken {
  id: number;
  token: string;
  similarity: number;
}

/** One prompt on one split of a generation task. */
export interface GenerationSplitScores {
  /** Mean log-probability of the reference per token (teacher forcing; what the loss minimises). */
  loglik_per_token: number;
  /** The task's metric (exact / contains / regex) on the greedy output, 0–1; null for loglik tasks. */
  score: number | null;
}

export type GenerationSplit = 'train' | 'dev' | 'test';

/** Generation tasks (promptsmith.task.metric): the tuned and the hand-written prompt by split. */
export interface GenerationResult {
  metric: string;
  /** The dataset field holding the reference output. */
  reference: string;
  tuned: Partial<Record<GenerationSplit, GenerationSplitScores>>;
  manual: Partial<Record<GenerationSplit, GenerationSplitScores>>;
}

export interface TuneSoftResult {
  /** The PEFT adapter folder. */
  out: string;
  /** Accuracies of the best-on-dev soft prompt; null where the split is absent. */
  train_acc: number | null;
  dev_acc: number | null;
  test_acc: number | null;
  /** The file's template without a soft prompt, on the same splits. */
  manual_train_acc: number | null;
  manual_dev_acc: number | null;
  manual_test_acc: number | null;
  /** Data that invites self-deception (near-copies across splits, small sets, …), one sentence each. */
  warnings: string[];
  /** Generation tasks only (the *_acc fields are then null). */
  generation?: GenerationResult;
  best_step: number;
  steps_run: number;
  stopped_early: boolean;
  cancelled: boolean;
  method: 'gradient' | 'bbt';
  device: string;
  num_virtual_tokens: number;
  /** What the optimizer changed: n × d embedding values (gradient), or BBT's intrinsic dimension. */
  trainable_params: number;
  /** Per virtual token, its nearest vocabulary tokens (cosine), best first. */
  nearest_tokens: string[][];
  nearest: NearestToken[][];
  run_dir?: string;
}

export function parseSoftPromptOverrides(raw: unknown, where: string): SoftPromptOverrides {
  const { adapter, ...settings } = expectRecord(raw, where);
  if (adapter !== undefined) throw new ProtocolError(`${where}.adapter: a saved adapter is not a tuning setting`);
  const bad = settingsProblems(SOFT_PROMPT_SETTINGS, settings)[0];
  if (bad) throw new ProtocolError(`${where}.${bad.name}: ${bad.why}`);
  return settings as SoftPromptOverrides;
}

export function parseTuneSoftParams(params: unknown): TuneSoftParams {
  const where = 'params';
  const p = expectRecord(params, where);
  return {
    promptFile: expectString(p, 'promptFile', where),
    overrides: p.overrides === undefined ? undefined : parseSoftPromptOverrides(p.overrides, `${where}.overrides`),
    device: optionalOneOf(p, 'device', ENGINE_DEVICES, where),
    ...parseTuningTaskParams(p, where),
  };
}

function parseNearestRow(raw: unknown, where: string): NearestToken[] {
  if (!Array.isArray(raw)) throw new ProtocolError(`${where}: expected an array`);
  return raw.map((t, i) => {
    const r = expectRecord(t, `${where}[${i}]`);
    return { id: expectNumber(r, 'id', `${where}[${i}]`), token: expectString(r, 'token', `${where}[${i}]`), similarity: expectNumber(r, 'similarity', `${where}[${i}]`) };
  });
}

export function parseTuneSoftResult(raw: unknown): TuneSoftResult {
  const where = 'tuneSoft result';
  const r = expectRecord(raw, where);
  const out = expectString(r, 'out', where);
  const nearest = expectArray(r, 'nearest', where).map((row, i) => parseNearestRow(row, `${where}.nearest[${i}]`));
  const result: TuneSoftResult = {
    out,
    train_acc: numberOrNull(r, 'train_acc', where),
    dev_acc: numberOrNull(r, 'dev_acc', where),
    test_acc: numberOrNull(r, 'test_acc', where),
    manual_train_acc: numberOrNull(r, 'manual_train_acc', where),
    manual_dev_acc: numberOrNull(r, 'manual_dev_acc', where),
    manual_test_acc: numberOrNull(r, 'manual_test_acc', where),
    warnings: stringArray(r, 'warnings', where),
    best_step: expectNumber(r, 'best_step', where),
    steps_run: expectNumber(r, 'steps_run', where),
    stopped_early: expectBoolean(r, 'stopped_early', where),
    cancelled: expectBoolean(r, 'cancelled', where),
    method: expectOneOf(r, 'method', ['gradient', 'bbt'] as const, where),
    device: expectString(r, 'device', where),
    num_virtual_tokens: expectNumber(r, 'num_virtual_tokens', where),
    trainable_params: expectNumber(r, 'trainable_params', where),
    nearest_tokens: nearest.map((row) => row.map((t) => t.token)),
    nearest,
  };
  const runDir = optionalString(r, 'run_dir', where);
  if (runDir !== undefined) result.run_dir = runDir;
  if (r.generation !== undefined) result.generation = parseGenerationResult(r.generation, `${where}.generation`);
  return result;
}

function parseGenerationScores(raw: unknown, where: string): Partial<Record<GenerationSplit, GenerationSplitScores>> {
  const r = expectRecord(raw, where);
  const out: Partial<Record<GenerationSplit, GenerationSplitScores>> = {};
  for (const split of ['train', 'dev', 'test'] as const) {
    if (r[split] === undefined) continue;
    const s = expectRecord(r[split], `${where}.${split}`);
    out[split] = { loglik_per_token: expectNumber(s, 'loglik_per_token', `${where}.${split}`), score: numberOrNull(s, 'score', `${where}.${split}`) };
  }
  return out;
}

function parseGenerationResult(raw: unknown, where: string): GenerationResult {
  const r = expectRecord(raw, where);
  return {
    metric: expectString(r, 'metric', where),
    reference: expectString(r, 'reference', where),
    tuned: parseGenerationScores(r.tuned, `${where}.tuned`),
    manual: parseGenerationScores(r.manual, `${where}.manual`),
  };
}
