// The settings of a fine-tuning run: the `.prompt` file's `promptsmith.finetune` map, then the
// caller's overrides (CLI flags, editor choices), then the defaults (chosen by measurement, see
// README.md in this folder). The table is in the same form as the other promptsmith.* tables, so
// the language server can validate, complete and hover it from the same source.
import type { SettingsTable } from '../../../promptFile/promptsmithSettings';
import { checkSettingValue, isPlainObject } from '../../../promptFile/promptsmithSettings';
import { DEFAULT_LORA_TARGETS } from './loraGraph';
import { SCHEDULE_KINDS, type ScheduleKind } from './schedule';

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

/** Defaults, measured on stories260k + tinysent (train for training, dev for selection): README.md. */
export const FINETUNE_DEFAULTS: FineTuneSettings = {
  method: 'full',
  rank: 8,
  alpha: 16,
  targetModules: [...DEFAULT_LORA_TARGETS],
  steps: 100,
  lr: DEFAULT_LR.full,
  batchSize: 8,
  warmup: 10,
  schedule: 'linear',
  weightDecay: 0.01,
  maxGradNorm: 1,
  evalEvery: 10,
  patience: 0,
  seed: 0,
  target: 'output',
  maxLength: 128,
  memoryCheck: true,
};

export const FINETUNE_SETTINGS: SettingsTable = {
  method: { type: 'enum', enum: ['full', 'lora'], default: FINETUNE_DEFAULTS.method, description: 'full: train every weight; lora: train rank-r adapters on the attention projections (base frozen).' },
  rank: { type: 'integer', min: 1, max: 1024, default: FINETUNE_DEFAULTS.rank, description: 'LoRA rank r (PEFT `r`).' },
  alpha: { type: 'number', min: 0, default: FINETUNE_DEFAULTS.alpha, description: 'LoRA α (PEFT `lora_alpha`); the update is scaled by α / r.' },
  targetModules: { type: 'strings', default: FINETUNE_DEFAULTS.targetModules, description: 'Linear layers that get LoRA adapters (PEFT `target_modules`).' },
  steps: { type: 'integer', min: 1, default: FINETUNE_DEFAULTS.steps, description: 'Optimizer steps.' },
  lr: { type: 'number', min: 0, description: `Peak AdamW learning rate (default ${DEFAULT_LR.full} for full, ${DEFAULT_LR.lora} for LoRA).` },
  batchSize: { type: 'integer', min: 1, default: FINETUNE_DEFAULTS.batchSize, description: 'Examples per step.' },
  warmup: { type: 'integer', min: 0, default: FINETUNE_DEFAULTS.warmup, description: 'Linear warm-up steps from learning rate 0.' },
  schedule: { type: 'enum', enum: SCHEDULE_KINDS, default: FINETUNE_DEFAULTS.schedule, description: 'Decay after warm-up: linear or cosine to 0, or constant.' },
  weightDecay: { type: 'number', min: 0, default: FINETUNE_DEFAULTS.weightDecay, description: 'AdamW decoupled weight decay (not on biases and norm weights).' },
  maxGradNorm: { type: 'number', min: 0, default: FINETUNE_DEFAULTS.maxGradNorm, description: 'Clip the global gradient norm to this (0 = no clipping).' },
  evalEvery: { type: 'integer', min: 1, default: FINETUNE_DEFAULTS.evalEvery, description: 'Evaluate on the dev set every N steps (the best on dev is kept).' },
  patience: { type: 'integer', min: 0, default: FINETUNE_DEFAULTS.patience, description: 'Early stopping: evaluations without dev improvement before stopping (0 = never).' },
  seed: { type: 'integer', default: FINETUNE_DEFAULTS.seed, description: 'Random seed (data order, LoRA init).' },
  corpus: { type: 'path', description: 'Train the language-model loss on this JSONL (`text` field) or text file instead of the task, relative to the .prompt file.' },
  target: { type: 'string', default: FINETUNE_DEFAULTS.target, description: 'Generation tasks (no labels): the dataset field with the reference output.' },
  maxLength: { type: 'integer', min: 2, default: FINETUNE_DEFAULTS.maxLength, description: 'Corpus training: tokens per sequence.' },
  memoryCheck: { type: 'boolean', default: FINETUNE_DEFAULTS.memoryCheck, description: 'Refuse to start when the memory estimate exceeds free memory (false: try anyway).' },
};

/** `where` names the source in errors (e.g. `task.prompt: promptsmith.finetune`). */
export function validateFineTuneSettings(raw: unknown, where: string): RawFineTuneSettings {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) throw new Error(`${where} must be a map of settings`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const spec = FINETUNE_SETTINGS[key];
    if (!spec) throw new Error(`${where}.${key}: unknown setting (known: ${Object.keys(FINETUNE_SETTINGS).join(', ')})`);
    const why = checkSettingValue(spec, value);
    if (why) throw new Error(`${where}.${key}: ${why}`);
    out[key] = value;
  }
  return out as RawFineTuneSettings;
}

/** File settings, then overrides, then defaults (the learning rate's by method); both sources validated. */
export function mergeFineTuneSettings(file: unknown, overrides: unknown, promptFile: string): FineTuneSettings {
  const given = { ...validateFineTuneSettings(file, `${promptFile}: promptsmith.finetune`), ...validateFineTuneSettings(overrides, 'fine-tuning overrides') };
  const method = given.method ?? FINETUNE_DEFAULTS.method;
  return { ...FINETUNE_DEFAULTS, lr: DEFAULT_LR[method], ...given };
}
