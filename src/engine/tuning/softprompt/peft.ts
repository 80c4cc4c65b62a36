// Soft prompts saved the way HF PEFT saves a PromptTuningConfig adapter, so PEFT can load ours:
// adapter_config.json + adapter_model.safetensors holding `prompt_embeddings [n, d]`. What PEFT
// has no field for goes in namespaced extra keys (PEFT ignores unknown keys when loading):
// `promptsmith_slot`, the {{softprompt}} slot the prompt was trained at (such an adapter is never
// applied as a prefix), and `promptsmith_init` when the init has no PEFT name (CLASS_LABELS).
// docs/peft-interop.md says what Python PEFT can and cannot reproduce.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../onnx/safetensors';

import { splitSoftPromptMarkers } from '../../../promptFile/promptFile';
import { PROMPT_TUNING_INITS, type PromptTuningInit, SOFT_PROMPT_INITS, type SoftPromptInit } from '../../../promptFile/promptsmithSettings';
import { writeJsonAtomic } from '../../../runs/atomicFile';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
export const PROMPT_EMBEDDINGS = 'prompt_embeddings';
export const SLOT_KEY = 'promptsmith_slot';
export const INIT_KEY = 'promptsmith_init';

export interface SoftPromptAdapter {
  numVirtualTokens: number;
  tokenDim: number;
  /** Row-major [numVirtualTokens, tokenDim]. */
  embeddings: Float32Array;
  init: SoftPromptInit;
  initText?: string;
  baseModel: string;
  tokenizer?: string;
  /** The `{{softprompt "name"}}` slot it was trained at; undefined: before the whole input (PEFT's place). */
  slot?: string;
}

export class PeftError extends Error {}

export function saveSoftPrompt(dir: string, adapter: SoftPromptAdapter): void {
  const { numVirtualTokens: n, tokenDim: d, embeddings } = adapter;
  if (embeddings.length !== n * d) throw new PeftError(`soft prompt: ${embeddings.length} values do not make [${n}, ${d}]`);
  mkdirSync(dir, { recursive: true });
  // PEFT reads the init only to start training; a loaded adapter uses the saved weights.
  const peftInit: PromptTuningInit = (PROMPT_TUNING_INITS as readonly string[]).includes(adapter.init) ? (adapter.init as PromptTuningInit) : 'RANDOM';
  const config = {
    peft_type: 'PROMPT_TUNING',
    task_type: 'CAUSAL_LM',
    num_virtual_tokens: n,
    token_dim: d,
    num_transformer_submodules: 1,
    prompt_tuning_init: peftInit,
    prompt_tuning_init_text: adapter.init === 'TEXT' ? (adapter.initText ?? null) : null,
    base_model_name_or_path: adapter.baseModel,
    tokenizer_name_or_path: adapter.tokenizer ?? adapter.baseModel,
    inference_mode: true,
    revision: null,
    auto_mapping: null,
    num_attention_heads: null,
    num_layers: null,
    tokenizer_kwargs: null,
    ...(peftInit === adapter.init ? {} : { [INIT_KEY]: adapter.init }),
    ...(adapter.slot === undefined ? {} : { [SLOT_KEY]: adapter.slot }),
  };
  writeSafetensors(join(dir, ADAPTER_WEIGHTS), [{ name: PROMPT_EMBEDDINGS, dtype: 'F32', shape: [n, d], data: embeddings }], { format: 'pt' });
  writeJsonAtomic(join(dir, ADAPTER_CONFIG), config);
}

/** Loads and validates an adapter folder; `hiddenSize` (when given) must equal token_dim. */
export function loadSoftPrompt(dir: string, hiddenSize?: number): SoftPromptAdapter {
  const configFile = join(dir, ADAPTER_CONFIG);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PeftError(`${configFile}: ${code === 'ENOENT' ? 'file not found' : `not valid JSON (${(err as Error).message})`}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PeftError(`${configFile}: expected a JSON object`);
  const config = raw as Record<string, unknown>;
  if (config.peft_type !== 'PROMPT_TUNING') throw new PeftError(`${configFile}: peft_type must be "PROMPT_TUNING", got ${JSON.stringify(config.peft_type)}`);
  const n = config.num_virtual_tokens;
  const d = config.token_dim;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new PeftError(`${configFile}: num_virtual_tokens must be a positive integer`);
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw new PeftError(`${configFile}: token_dim must be a positive integer`);
  const subs = config.num_transformer_submodules ?? 1;
  if (subs !== 1) throw new PeftError(`${configFile}: num_transformer_submodules ${JSON.stringify(subs)} is not supported (decoder-only models use 1)`);
  if (hiddenSize !== undefined && d !== hiddenSize) {
    throw new PeftError(`${configFile}: token_dim ${d} does not match the model's hidden size ${hiddenSize}`);
  }
  const peftInit = (config.prompt_tuning_init ?? 'RANDOM') as PromptTuningInit;
  if (!PROMPT_TUNING_INITS.includes(peftInit)) throw new PeftError(`${configFile}: prompt_tuning_init must be one of ${PROMPT_TUNING_INITS.join(', ')}`);
  const ownInit = config[INIT_KEY];
  if (ownInit !== undefined && !(SOFT_PROMPT_INITS as readonly unknown[]).includes(ownInit)) throw new PeftError(`${configFile}: ${INIT_KEY} must be one of ${SOFT_PROMPT_INITS.join(', ')}`);
  const init = (ownInit as SoftPromptInit | undefined) ?? peftInit;
  const slot = config[SLOT_KEY];
  if (slot !== undefined && (typeof slot !== 'string' || !/^[\w.-]+$/.test(slot))) throw new PeftError(`${configFile}: ${SLOT_KEY} must be a slot name (letters, digits, '_', '.', '-')`);
  const weightsFile = join(dir, ADAPTER_WEIGHTS);
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(weightsFile);
  } catch (err) {
    throw new PeftError((err as Error).message.includes(weightsFile) ? (err as Error).message : `${weightsFile}: ${(err as Error).message}`);
  }
  if (!file.has(PROMPT_EMBEDDINGS)) throw new PeftError(`${weightsFile}: no tensor named '${PROMPT_EMBEDDINGS}'`);
  const shape = file.entry(PROMPT_EMBEDDINGS).shape;
  if (shape.length !== 2 || shape[0] !== n || shape[1] !== d) {
    throw new PeftError(`${weightsFile}: '${PROMPT_EMBEDDINGS}' has shape [${shape}], ${ADAPTER_CONFIG} says [${n}, ${d}]`);
  }
  const embeddings = file.float32(PROMPT_EMBEDDINGS);
  const initText = typeof config.prompt_tuning_init_text === 'string' ? config.prompt_tuning_init_text : undefined;
  const baseModel = typeof config.base_model_name_or_path === 'string' ? config.base_model_name_or_path : '';
  const tokenizer = typeof config.tokenizer_name_or_path === 'string' ? config.tokenizer_name_or_path : undefined;
  return { numVirtualTokens: n, tokenDim: d, embeddings, init, initText, baseModel, tokenizer, ...(slot === undefined ? {} : { slot: slot as string }) };
}

/**
 * The slot a saved adapter fills in `renderedText` (a rendered template, slot markers left in):
 * the one it was trained at, which the template must have (never a silent fallback to a prefix),
 * or, for an adapter trained as a prefix, the file's configured slot. Errors name the adapter.
 */
export function adapterSlot(adapter: SoftPromptAdapter, dir: string, renderedText: string, configured?: string): string | undefined {
  if (adapter.slot === undefined) return configured;
  const configFile = join(dir, ADAPTER_CONFIG);
  if (configured !== undefined && configured !== adapter.slot) {
    throw new PeftError(`${configFile}: this soft prompt was trained at the {{softprompt "${adapter.slot}"}} slot, but promptsmith.softPrompt.slot is "${configured}"`);
  }
  const hasSlot = splitSoftPromptMarkers(renderedText).some((p) => p.kind === 'softPrompt' && p.name === adapter.slot);
  if (!hasSlot) {
    throw new PeftError(`${configFile}: this soft prompt was trained at the {{softprompt "${adapter.slot}"}} slot and the template has no such slot; it is never applied as a prefix instead (add the slot, or tune a new soft prompt for this template)`);
  }
  return adapter.slot;
}
