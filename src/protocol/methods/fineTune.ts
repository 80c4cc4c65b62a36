// `fineTune`: full or LoRA fine tuning of a .prompt file's model on its task, as a queued task
// recorded in a run folder; the result is a Hugging Face model folder (full) or a PEFT LoRA
// adapter folder (lora). Overrides are checked against the front matter's settings table.
import { FINETUNE_SETTINGS, settingsProblems } from '../../promptFile/promptsmithSettings';
import { expectBoolean, expectNumber, expectOneOf, expectRecord, expectString, numberOrNull, optionalOneOf, optionalString, ProtocolError } from '../guards';
import { ENGINE_DEVICES, type EngineDevice } from '../modelApi';
import { parseTuningTaskParams, type TuningTaskParams } from './tuningTaskParams';

/** Settings that win over the file's promptsmith.finetune (keys and values as the table says). */
export type FineTuneOverrides = Record<string, unknown>;

export interface FineTuneParams extends TuningTaskParams {
  promptFile: string;
  overrides?: FineTuneOverrides;
  /** The model or adapter folder; default: model/ inside the run folder. */
  out?: string;
  device?: EngineDevice;
}

export interface SplitScores {
  train_acc: number | null;
  dev_acc: number | null;
  test_acc: number | null;
  train_loss: number | null;
  dev_loss: number | null;
  test_loss: number | null;
}

export interface FineTuneResult extends SplitScores {
  out: string;
  method: 'full' | 'lora';
  objective: 'classification' | 'generation';
  /** The file's template on the base model, on the same splits. */
  manual: SplitScores;
  trainable_params: number;
  total_params: number;
  best_step: number;
  steps_run: number;
  stopped_early: boolean;
  cancelled: boolean;
  device: string;
  memory_estimate_mib: number;
  /** The model folder (full) or adapter folder (lora) written; null when cancelled. */
  artifact: string | null;
  run_dir?: string;
}

export function parseFineTuneOverrides(raw: unknown, where: string): FineTuneOverrides {
  const o = expectRecord(raw, where);
  const bad = settingsProblems(FINETUNE_SETTINGS, o)[0];
  if (bad) throw new ProtocolError(`${where}.${bad.name}: ${bad.why}`);
  return o;
}

export function parseFineTuneParams(params: unknown): FineTuneParams {
  const where = 'params';
  const p = expectRecord(params, where);
  return {
    promptFile: expectString(p, 'promptFile', where),
    overrides: p.overrides === undefined ? undefined : parseFineTuneOverrides(p.overrides, `${where}.overrides`),
    device: optionalOneOf(p, 'device', ENGINE_DEVICES, where),
    ...parseTuningTaskParams(p, where),
  };
}

function parseScores(r: Record<string, unknown>, where: string): SplitScores {
  return {
    train_acc: numberOrNull(r, 'train_acc', where),
    dev_acc: numberOrNull(r, 'dev_acc', where),
    test_acc: numberOrNull(r, 'test_acc', where),
    train_loss: numberOrNull(r, 'train_loss', where),
    dev_loss: numberOrNull(r, 'dev_loss', where),
    test_loss: numberOrNull(r, 'test_loss', where),
  };
}

export function parseFineTuneResult(raw: unknown): FineTuneResult {
  const where = 'fineTune result';
  const r = expectRecord(raw, where);
  const result: FineTuneResult = {
    out: expectString(r, 'out', where),
    ...parseScores(r, where),
    method: expectOneOf(r, 'method', ['full', 'lora'] as const, where),
    objective: expectOneOf(r, 'objective', ['classification', 'generation'] as const, where),
    manual: parseScores(expectRecord(r.manual, `${where}.manual`), `${where}.manual`),
    trainable_params: expectNumber(r, 'trainable_params', where),
    total_params: expectNumber(r, 'total_params', where),
    best_step: expectNumber(r, 'best_step', where),
    steps_run: expectNumber(r, 'steps_run', where),
    stopped_early: expectBoolean(r, 'stopped_early', where),
    cancelled: expectBoolean(r, 'cancelled', where),
    device: expectString(r, 'device', where),
    memory_estimate_mib: expectNumber(r, 'memory_estimate_mib', where),
    artifact: r.artifact === null ? null : expectString(r, 'artifact', where),
  };
  const runDir = optionalString(r, 'run_dir', where);
  if (runDir !== undefined) result.run_dir = runDir;
  return result;
}
