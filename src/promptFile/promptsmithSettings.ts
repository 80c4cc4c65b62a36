// What the Promptsmith front-matter keys (`promptsmith.task`, `promptsmith.rl`,
// `promptsmith.softPrompt`, `promptsmith.endpoint`) and the local runtime's `config` keys may hold. One table drives
// validation (promptFile.ts), completion and hover, so they can never disagree.

import { ownTable } from './unsafeKeys';

export type SettingType = 'string' | 'path' | 'integer' | 'number' | 'boolean' | 'labels' | 'templates' | 'enum' | 'strings';

export interface SettingSpec {
  type: SettingType;
  description: string;
  enum?: readonly string[];
  min?: number;
  max?: number;
  default?: unknown;
}

export type SettingsTable = Readonly<Record<string, SettingSpec>>;

export const TASK_SETTINGS: SettingsTable = ownTable({
  train: { type: 'path', description: 'Training set (JSONL or CSV), relative to the .prompt file.' },
  dev: { type: 'path', description: 'Development set (JSONL or CSV), relative to the .prompt file: tuning selects prompts and stops early on it.' },
  test: { type: 'path', description: 'Held-out test set (JSONL or CSV), relative to the .prompt file: reported beside train and dev, never used to select or stop.' },
  metric: {
    type: 'enum',
    enum: ['exact', 'contains', 'regex', 'loglik'],
    description: 'Generation tasks: exact match, contains, regex (the reference is a pattern) or the log-likelihood of the reference.',
  },
  reference: { type: 'string', description: "Generation tasks: the dataset field holding the expected output (default 'output')." },
  labels: {
    type: 'labels',
    description: 'label → verbalizer: the continuation whose log-probability scores the label (e.g. `positive: " happy"`).',
  },
});

export const RL_SETTINGS: SettingsTable = ownTable({
  preset: {
    type: 'enum',
    enum: ['default', 'paper'],
    default: 'default',
    description: "`paper`: RLPrompt's constants exactly; `default`: measured departures that work on small models (see the README).",
  },
  promptLength: { type: 'integer', min: 1, max: 64, default: 5, description: 'Number of discrete prompt tokens T the policy writes (RLPrompt: 2 or 5).' },
  steps: { type: 'integer', min: 1, default: 200, description: 'Training steps (RLPrompt: 12,000).' },
  maxEvaluations: { type: 'integer', min: 0, default: 0, description: 'Stop once this many reward evaluations (prompt × example scorings) are spent; 0 = no limit.' },
  samplesPerStep: { type: 'integer', min: 2, default: 16, description: 'Prompts sampled per step (RLPrompt: 16).' },
  examplesPerStep: { type: 'integer', min: 0, default: 0, description: 'Training examples scored per step, in file order; 0 = all (RLPrompt: 16).' },
  topK: { type: 'integer', min: 1, default: 256, description: 'Top-k sampling of prompt tokens (RLPrompt: 256).' },
  lr: { type: 'number', min: 0, default: 3e-3, description: 'Adam learning rate of the policy MLP (RLPrompt: 5e-5).' },
  polyak: { type: 'number', min: 0, max: 1, default: 1e-3, description: 'Target-network Polyak averaging rate per step.' },
  gradClip: { type: 'number', min: 0, default: 5, description: 'Gradient-norm clip (RLPrompt: 5).' },
  mlpHidden: { type: 'integer', min: 1, default: 2048, description: 'Inner size of the policy MLP d → h → d (RLPrompt: 2048).' },
  initGain: { type: 'number', min: 0, default: 1, description: 'xavier-uniform gain of the MLP weights (RLPrompt: 1e-4).' },
  vocabulary: {
    type: 'enum',
    enum: ['all', 'words'],
    default: 'words',
    description: 'Tokens a prompt may use: `words` (word-start pieces made of letters) or `all` (RLPrompt: the whole vocabulary).',
  },
  policyStart: {
    type: 'enum',
    enum: ['uniform', 'model'],
    default: 'uniform',
    description: "`uniform`: the MLP replaces the LM state (RLPrompt); `model`: the policy starts as the policy LM's own next-token distribution.",
  },
  policyModel: { type: 'string', description: 'Frozen policy LM (folder or hub id); default: the task model.' },
  rewardLambda1: { type: 'number', default: 180, description: 'Reward scale λ1 for wrong predictions.' },
  rewardLambda2: { type: 'number', default: 200, description: 'Reward scale λ2 for correct predictions.' },
  rewardShaping: { type: 'number', default: 5, description: 'Multiplier applied to the z-scored reward.' },
  zscoreEps: { type: 'number', min: 0, default: 1e-4, description: "Added to the z-score's standard deviation (RLPrompt: 1e-4)." },
  zscoreStdFloor: { type: 'number', min: 0, default: 5, description: "Floor on the z-score's standard deviation (RLPrompt: none)." },
  oneLabelPenalty: { type: 'number', min: 0, default: 40, description: 'Subtracted from the reward of a prompt that gives every example the same label (RLPrompt: 0).' },
  replay: { type: 'integer', min: 0, default: 16, description: 'Best earlier prompts replayed off-policy each step (RLPrompt: 0, on-policy only).' },
  evalEvery: { type: 'integer', min: 1, default: 5, description: 'Score the greedy prompt and the best new samples on the dev set every N steps.' },
  evalCandidates: { type: 'integer', min: 0, default: 3, description: 'Sampled prompts (best train accuracy since the last evaluation) scored on dev each time.' },
  keepBest: { type: 'integer', min: 1, default: 10, description: 'Best distinct prompts kept and reported.' },
  seed: { type: 'integer', description: 'Random seed.' },
});

/** PEFT's `prompt_tuning_init` values. */
export const PROMPT_TUNING_INITS = ['RANDOM', 'SAMPLE_VOCAB', 'TEXT'] as const;
export type PromptTuningInit = (typeof PROMPT_TUNING_INITS)[number];
/** Promptsmith's inits: PEFT's, plus Lester et al.'s class-label init (PEFT has none). */
export const SOFT_PROMPT_INITS = [...PROMPT_TUNING_INITS, 'CLASS_LABELS'] as const;
export type SoftPromptInit = (typeof SOFT_PROMPT_INITS)[number];

// Defaults chosen by measurement on held-out events (docs/soft-prompt-defaults.md), not copied
// from T5; tuneSoftPrompt.ts's SOFT_PROMPT_DEFAULTS holds the same values (a test checks it).
export const SOFT_PROMPT_SETTINGS: SettingsTable = ownTable({
  tokens: { type: 'integer', min: 1, max: 1000, default: 8, description: 'Number of virtual tokens n (`num_virtual_tokens`; paper: 1–150, 100 on T5).' },
  init: {
    type: 'enum',
    enum: SOFT_PROMPT_INITS,
    default: 'SAMPLE_VOCAB',
    description:
      'Initialisation: CLASS_LABELS (each label’s verbalizer embedding, then vocabulary samples; the paper’s best), SAMPLE_VOCAB (embeddings of the 5,000 most frequent tokens), RANDOM (normal at the embedding table’s scale) or TEXT (uses `initText`).',
  },
  initText: { type: 'string', description: 'Text whose token embeddings initialise the prompt when `init: TEXT`.' },
  steps: { type: 'integer', min: 1, default: 100, description: 'Optimisation steps.' },
  lr: { type: 'number', min: 0, description: 'Learning rate; default 3e-4 with adam, 0.3 with adafactor (paper).' },
  optimizer: { type: 'enum', enum: ['adafactor', 'adam'], default: 'adam', description: 'Optimizer: adam, or adafactor (paper: no momentum, unfactored second moments for the prompt).' },
  weightDecay: {
    type: 'number',
    min: 0,
    max: 1,
    default: 1e-5,
    description: 'Decoupled weight decay per step: p ← p − rate·(p − target) after each update (paper: 1e-5, toward zero).',
  },
  decayToward: { type: 'enum', enum: ['zero', 'init'], default: 'zero', description: 'What weight decay pulls toward: zero (paper) or the initial prompt (a regularizer that keeps it near its init).' },
  selectBy: {
    type: 'enum',
    enum: ['devAccuracy', 'devLoss'],
    default: 'devAccuracy',
    description: 'Which prompt is kept and when early stopping counts no improvement: best dev accuracy (ties: lower loss) or lowest dev loss.',
  },
  method: {
    type: 'enum',
    enum: ['gradient', 'bbt'],
    default: 'gradient',
    description: 'gradient (autodiff over the ONNX graph) or bbt (gradient-free Black-Box Tuning with CMA-ES).',
  },
  batchSize: { type: 'integer', min: 1, default: 8, description: 'Examples per step.' },
  evalEvery: { type: 'integer', min: 1, default: 10, description: 'Evaluate on the dev set every N steps.' },
  patience: { type: 'integer', min: 1, description: 'Early stopping: evaluations without dev improvement before stopping (default: never stop early).' },
  seed: { type: 'integer', default: 0, description: 'Random seed.' },
  bbtDim: { type: 'integer', min: 1, max: 10000, default: 500, description: 'BBT: intrinsic dimension d of the searched vector z (P = A z + P0; Sun et al.: 500).' },
  bbtPopulation: { type: 'integer', min: 2, max: 1000, default: 20, description: 'BBT: CMA-ES population per generation (Sun et al.: 20).' },
  bbtSigma: { type: 'number', min: 0, default: 1, description: 'BBT: CMA-ES initial step size σ, also in the projection’s scale (Sun et al.: 1).' },
  slot: { type: 'string', description: 'Name of the `{{softprompt "name"}}` slot to fill; default: before the whole input.' },
  adapter: {
    type: 'path',
    description: 'A saved soft prompt (folder with adapter_config.json + adapter_model.safetensors), relative to the .prompt file: `eval` and `run` use it.',
  },
});

/** LoRA adapters go on these linear layers by default (PEFT `target_modules`). */
export const DEFAULT_LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
export const LR_SCHEDULES = ['linear', 'cosine', 'constant'] as const;

/**
 * `promptsmith.finetune`; the defaults were chosen by measurement on stories260k + tinysent (train
 * for training, dev for selection): src/engine/tuning/finetune/README.md.
 */
export const FINETUNE_SETTINGS: SettingsTable = ownTable({
  method: { type: 'enum', enum: ['full', 'lora'], default: 'full', description: 'full: train every weight; lora: train rank-r adapters on the attention projections (base frozen).' },
  rank: { type: 'integer', min: 1, max: 1024, default: 8, description: 'LoRA rank r (PEFT `r`).' },
  alpha: { type: 'number', min: 0, default: 16, description: 'LoRA α (PEFT `lora_alpha`); the update is scaled by α / r.' },
  targetModules: { type: 'strings', default: DEFAULT_LORA_TARGETS, description: 'Linear layers that get LoRA adapters (PEFT `target_modules`).' },
  steps: { type: 'integer', min: 1, default: 100, description: 'Optimizer steps.' },
  lr: { type: 'number', min: 0, description: 'Peak AdamW learning rate (default 3e-5 for full, 1e-3 for LoRA).' },
  batchSize: { type: 'integer', min: 1, default: 8, description: 'Examples per step.' },
  warmup: { type: 'integer', min: 0, default: 10, description: 'Linear warm-up steps from learning rate 0.' },
  schedule: { type: 'enum', enum: LR_SCHEDULES, default: 'linear', description: 'Decay after warm-up: linear or cosine to 0, or constant.' },
  weightDecay: { type: 'number', min: 0, default: 0.01, description: 'AdamW decoupled weight decay (not on biases and norm weights).' },
  maxGradNorm: { type: 'number', min: 0, default: 1, description: 'Clip the global gradient norm to this (0 = no clipping).' },
  evalEvery: { type: 'integer', min: 1, default: 10, description: 'Evaluate on the dev set every N steps (the best on dev is kept).' },
  patience: { type: 'integer', min: 0, default: 0, description: 'Early stopping: evaluations without dev improvement before stopping (0 = never).' },
  seed: { type: 'integer', default: 0, description: 'Random seed (data order, LoRA init).' },
  corpus: { type: 'path', description: 'Train the language-model loss on this JSONL (`text` field) or text file instead of the task, relative to the .prompt file.' },
  target: { type: 'string', default: 'output', description: 'Generation tasks (no labels): the dataset field with the reference output.' },
  maxLength: { type: 'integer', min: 2, default: 128, description: 'Corpus training: tokens per sequence.' },
  memoryCheck: { type: 'boolean', default: true, description: 'Refuse to start when the memory estimate exceeds free memory (false: try anyway).' },
});

/** The Promptsmith namespaced keys of the front matter. */
export const PROMPTSMITH_KEYS: Readonly<Record<string, { description: string; settings: SettingsTable }>> = ownTable({
  'promptsmith.task': { description: 'Classification task: datasets and label → verbalizer.', settings: TASK_SETTINGS },
  'promptsmith.rl': { description: 'RL prompt tuning (RLPrompt) settings.', settings: RL_SETTINGS },
  'promptsmith.softPrompt': { description: 'Soft prompt tuning (Lester et al. 2021) settings.', settings: SOFT_PROMPT_SETTINGS },
  'promptsmith.finetune': { description: 'Fine tuning (full, or LoRA adapters) settings.', settings: FINETUNE_SETTINGS },
});

/** The documented defaults of a settings table, as one object. */
export function settingDefaults(table: SettingsTable): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).flatMap(([name, spec]) => (spec.default === undefined ? [] : [[name, spec.default]])));
}

/** Promptsmith keys whose value is one setting, not a map of settings. */
export const PROMPTSMITH_VALUE_KEYS: Readonly<Record<string, SettingSpec>> = ownTable({
  'promptsmith.endpoint': {
    type: 'string',
    description:
      'Base URL (with /v1) of the OpenAI-compatible server of `model: openai-compatible/<name>` (vLLM, TGI, llama.cpp server, Ollama, `promptsmith serve`). The API key never goes here: it comes from the environment variable named by the `promptsmith.remote.apiKeyEnv` setting.',
  },
  'promptsmith.variants': {
    type: 'templates',
    description:
      'Other hand-written templates for the same task, by name (e.g. `feelings: "{{text}} They felt"`): `compare` evaluates each beside the template as written — prompt engineering, measured on the same splits.',
  },
});

/** `config` keys the local runtime reads (engine/tasks/runPromptMethod.ts); others are ignored by it (warning). */
export const CONFIG_SETTINGS: SettingsTable = ownTable({
  temperature: { type: 'number', min: 0, description: 'Sampling temperature; 0 = greedy.' },
  maxOutputTokens: { type: 'integer', min: 1, description: 'Maximum number of generated tokens.' },
  topK: { type: 'integer', min: 0, description: 'Sample from the k most likely tokens (0 = all).' },
  topP: { type: 'number', min: 0, max: 1, description: 'Nucleus sampling: smallest set of tokens with this total probability (1 = all).' },
  stopSequences: { type: 'strings', description: 'Stop generating when one of these strings appears.' },
});

/** Top-level front-matter keys of Dotprompt, with what they mean (for completion and hover). */
export const DOTPROMPT_KEYS: Readonly<Record<string, string>> = ownTable({
  name: 'Name of the prompt.',
  variant: 'Variant name of the prompt.',
  version: 'Version of the prompt.',
  description: 'What the prompt does.',
  model: 'Model: a local folder in the Hugging Face layout (relative to this file), a hub id, or a configured name.',
  config: 'Model configuration; the local runtime reads temperature, maxOutputTokens, topK, topP and stopSequences.',
  input: 'Input variables: `schema` (Picoschema or JSON Schema) and `default` values.',
  output: 'Expected output: `format` (text | json) and `schema`.',
  tools: 'Names of tools the model may call.',
  metadata: 'Arbitrary metadata for tooling.',
});

/** Why a value does not fit its spec, or undefined when it does. */
export function checkSettingValue(spec: SettingSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
    case 'path':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a number, got ${describe(value)}`;
      if (spec.type === 'integer' && !Number.isInteger(value)) return `expected an integer, got ${value}`;
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}, got ${value}`;
      return undefined;
    }
    case 'enum':
      return typeof value === 'string' && spec.enum!.includes(value) ? undefined : `expected one of ${spec.enum!.join(', ')}, got ${describe(value)}`;
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : `expected a list of strings, got ${describe(value)}`;
    case 'labels':
      return isPlainObject(value) ? undefined : `expected a map label → verbalizer, got ${describe(value)}`;
    case 'templates':
      return isPlainObject(value) ? undefined : `expected a map name → template, got ${describe(value)}`;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Every key of `value` that is unknown to `table` or does not fit its spec, with why. */
export function settingsProblems(table: SettingsTable, value: Record<string, unknown>): { name: string; why: string }[] {
  const problems: { name: string; why: string }[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const spec = Object.hasOwn(table, name) ? table[name] : undefined;
    const why = spec ? checkSettingValue(spec, v) : `unknown setting (known: ${Object.keys(table).join(', ')})`;
    if (why) problems.push({ name, why });
  }
  return problems;
}
