// The settings a soft prompt tuning run uses: the file's promptsmith.softPrompt, then overrides,
// over the defaults. The defaults are the settings table's (src/promptFile/promptsmithSettings.ts,
// chosen by measurement on held-out events: docs/soft-prompt-defaults.md), so the table that
// completion and hover show is the one place they are written.
import type { PromptsmithSoftPrompt } from '../../../promptFile/promptFile';
import { SOFT_PROMPT_SETTINGS, type SoftPromptInit } from '../../../promptFile/promptsmithSettings';
import type { SoftPromptOverrides } from '../../../protocol/methods/tuneSoft';

/** Learning rates when none is set: Adam's own, measured on held-out events (docs/soft-prompt-defaults.md); the paper's for Adafactor. */
export const DEFAULT_LR = { adafactor: 0.3, adam: 3e-4 } as const;

export interface SoftPromptSettings {
  tokens: number;
  init: SoftPromptInit;
  initText?: string;
  steps: number;
  lr: number;
  optimizer: 'adafactor' | 'adam';
  weightDecay: number;
  decayToward: 'zero' | 'init';
  selectBy: 'devAccuracy' | 'devLoss';
  method: 'gradient' | 'bbt';
  batchSize: number;
  evalEvery: number;
  /** 0 = never stop early. */
  patience: number;
  seed: number;
  bbtDim: number;
  bbtPopulation: number;
  bbtSigma: number;
  slot?: string;
}

const tableDefault = <T>(name: string): T => SOFT_PROMPT_SETTINGS[name]!.default as T;

/** Every setting's value when neither the file nor an override sets it (lr: by optimizer). */
export const SOFT_PROMPT_DEFAULTS: Omit<SoftPromptSettings, 'lr'> = {
  tokens: tableDefault('tokens'),
  init: tableDefault('init'),
  steps: tableDefault('steps'),
  optimizer: tableDefault('optimizer'),
  weightDecay: tableDefault('weightDecay'),
  decayToward: tableDefault('decayToward'),
  selectBy: tableDefault('selectBy'),
  method: tableDefault('method'),
  batchSize: tableDefault('batchSize'),
  evalEvery: tableDefault('evalEvery'),
  patience: 0,
  seed: tableDefault('seed'),
  bbtDim: tableDefault('bbtDim'),
  bbtPopulation: tableDefault('bbtPopulation'),
  bbtSigma: tableDefault('bbtSigma'),
};

/** File settings, then overrides, over the defaults; the cross-field rules the table cannot say. */
export function mergeSettings(file: PromptsmithSoftPrompt | undefined, overrides: SoftPromptOverrides | undefined): SoftPromptSettings {
  const defined = (o: object | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([key, v]) => v !== undefined && key !== 'adapter'));
  const merged = { ...SOFT_PROMPT_DEFAULTS, ...defined(file), ...defined(overrides) } as Omit<SoftPromptSettings, 'lr'> & { lr?: number };
  if (merged.init === 'TEXT' && !merged.initText) throw new Error('softPrompt.init TEXT needs softPrompt.initText');
  return { ...merged, lr: merged.lr ?? DEFAULT_LR[merged.optimizer] };
}
