// The settings of a fine-tuning run: the `.prompt` file's `promptsmith.finetune` map, then the
// caller's overrides (CLI flags, editor choices), then the defaults (chosen by measurement, see
// README.md in this folder). The table lives with the other promptsmith.* tables
// (src/promptFile/promptsmithSettings.ts): the language server validates, completes and hovers it.
import { FINETUNE_SETTINGS, isPlainObject, settingDefaults, settingsProblems } from '../../../promptFile/promptsmithSettings';
import type { ScheduleKind } from './schedule';

export type FineTuneMethod = 'full' | 'lora';

export interface FineTuneSettings {
  method: FineTuneMethod;
  /** LoRA rank r. */
  rank: number;
  /** LoRA α (the update is scaled by α / r). */
  alpha: number;
  targetModules: string[];
  steps: number;
  lr: number;
  batchSize: number;
  /** Warm-up steps (linear from 0). */
  warmup: number;
  schedule: ScheduleKind;
  weightDecay: number;
  maxGradNorm: number;
  evalEvery: number;
  /** Evaluations without a better dev result before stopping; 0 = never stop early. */
  patience: number;
  seed: number;
  /** A JSONL (`text` field) or text file to train the language-model loss on instead of the task (relative to the .prompt file). */
  corpus?: string;
  /** Generation tasks: the dataset field holding the reference output. */
  target: string;
  /** Corpus training: tokens per training sequence. */
  maxLength: number;
  /** Refuse to start when the memory estimate exceeds free memory. */
  memoryCheck: boolean;
}

export type RawFineTuneSettings = Partial<FineTuneSettings>;

/**
 * Learning rates by method: on stories260k + tinysent, the smallest of the grid that reaches the
 * best dev accuracy in 100 steps (README.md: dev saturates, so the smallest change wins the tie).
 */
export const DEFAULT_LR: Record<FineTuneMethod, number> = { full: 3e-5, lora: 1e-3 };

/** Defaults, measured on stories260k + tinysent (README.md): the settings table's. */
export const FINETUNE_DEFAULTS = { ...settingDefaults(FINETUNE_SETTINGS), lr: DEFAULT_LR.full } as FineTuneSettings;

/** `where` names the source in errors (e.g. `task.prompt: promptsmith.finetune`). */
export function validateFineTuneSettings(raw: unknown, where: string): RawFineTuneSettings {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) throw new Error(`${where} must be a map of settings`);
  const bad = settingsProblems(FINETUNE_SETTINGS, raw)[0];
  if (bad) throw new Error(`${where}.${bad.name}: ${bad.why}`);
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as RawFineTuneSettings;
}

/** File settings, then overrides, then defaults (the learning rate's by method); both sources validated. */
export function mergeFineTuneSettings(file: unknown, overrides: unknown, promptFile: string): FineTuneSettings {
  const given = { ...validateFineTuneSettings(file, `${promptFile}: promptsmith.finetune`), ...validateFineTuneSettings(overrides, 'fine-tuning overrides') };
  const method = given.method ?? FINETUNE_DEFAULTS.method;
  return { ...FINETUNE_DEFAULTS, lr: DEFAULT_LR[method], ...given };
}
