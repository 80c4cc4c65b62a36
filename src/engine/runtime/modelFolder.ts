// Resolves what a user calls "a model" — a folder in the Hugging Face layout, a hub id, or a
// safetensors-only checkpoint — to a validated folder with an ONNX file, and reads its configs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureOnnxFolder } from '../onnx/export/exportModel';
import { RuntimeError } from './errors';
import { FILE_LIMITS, readRegularFile } from '../../modelFiles/regularFile';
import { looksLikeHubId } from '../../modelFiles/hubCache';
import { describeRemoteModel, remoteModelOf } from '../../promptFile/modelIds';
import { type DownloadProgress, resolveHubModel } from './hub';
import { ensureLoraMergedFolder, isLoraAdapterFolder } from './loraAdapter';
import { chooseOnnxFile } from './onnxVariant';

export type ModelKind = 'causal' | 'masked';

export interface GenerationConfig {
  bosTokenId?: number;
  /** generation_config.json may list several. */
  eosTokenIds: number[];
  padTokenId?: number;
  maxLength?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  doSample?: boolean;
}

export interface ModelFolder {
  /** What the user gave (folder, hub id). */
  spec: string;
  /** The resolved folder holding config.json, tokenizer.json and the ONNX file. */
  dir: string;
  onnxFile: string;
  variant: string;
  kind: ModelKind;
  architecture: string;
  modelType: string;
  config: Record<string, unknown>;
  generation: GenerationConfig;
}

export type ModelProgress =
  | { phase: 'download'; file: string; loaded: number; total: number | undefined }
  | { phase: 'export'; fraction: number; message: string };

export interface ResolveOptions {
  /** Exports of safetensors-only checkpoints go here. Default ~/.cache/promptsmith. */
  cacheDir?: string;
  /** Standard HF hub cache; default from HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub. */
  hubCacheDir?: string;
  offline?: boolean;
  /** ONNX variant: fp32, fp16, q8, q4, … (see onnxVariant.ts). */
  variant?: string;
  onProgress?(progress: ModelProgress): void;
}

export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'promptsmith');
}

function readJsonFile(file: string, required: boolean): Record<string, unknown> | undefined {
  if (!existsSync(file)) {
    if (required) throw new RuntimeError('E_BAD_MODEL', `${file}: file not found`);
    return undefined;
  }
  let text: string;
  try {
    text = readRegularFile(file, FILE_LIMITS.json);
  } catch (err) {
    throw new RuntimeError('E_BAD_MODEL', (err as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError('E_BAD_MODEL', `${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RuntimeError('E_BAD_MODEL', `${file}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(path).isDirectory()) return prefix === '' && name === 'onnx' ? filesUnder(path, rel) : [];
    return [rel];
  });
}

const MASKED_TYPES = new Set(['bert', 'roberta', 'distilbert', 'albert', 'electra', 'xlm-roberta', 'deberta', 'deberta-v2', 'camembert', 'mpnet', 'modernbert']);

/** Causal or masked LM, from config.json's architecture (or model_type when that is absent). */
export function modelKindOf(config: Record<string, unknown>, configFile: string): { kind: ModelKind; architecture: string; modelType: string } {
  const architectures = Array.isArray(config.architectures) ? (config.architectures as unknown[]) : [];
  const architecture = typeof architectures[0] === 'string' ? architectures[0] : '';
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  if (/ForCausalLM$|LMHeadModel$/.test(architecture)) return { kind: 'causal', architecture, modelType };
  if (/ForMaskedLM$/.test(architecture)) return { kind: 'masked', architecture, modelType };
  if (architecture === '' && MASKED_TYPES.has(modelType)) return { kind: 'masked', architecture: modelType, modelType };
  if (architecture === '' && modelType !== '') return { kind: 'causal', architecture: modelType, modelType };
  throw new RuntimeError('E_BAD_MODEL', `${configFile}: unsupported architecture '${architecture || modelType || '(none)'}' (expected a causal LM such as LlamaForCausalLM/GPT2LMHeadModel or a masked LM such as BertForMaskedLM)`);
}

function ids(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Positions the model was trained for, as config.json names them, if it says. */
export function contextLengthOf(config: Record<string, unknown>): number | undefined {
  for (const key of ['max_position_embeddings', 'n_positions', 'n_ctx']) {
    if (typeof config[key] === 'number' && (config[key] as number) > 0) return config[key] as number;
  }
  return undefined;
}

export function readGenerationConfig(dir: string, config: Record<string, unknown>): GenerationConfig {
  const g = readJsonFile(join(dir, 'generation_config.json'), false) ?? {};
  const pick = (key: string) => g[key] ?? config[key];
  return {
    bosTokenId: num(pick('bos_token_id')),
    eosTokenIds: ids(pick('eos_token_id')),
    padTokenId: num(pick('pad_token_id')),
    maxLength: num(g.max_length),
    temperature: num(g.temperature),
    topK: num(g.top_k),
    topP: num(g.top_p),
    doSample: typeof g.do_sample === 'boolean' ? g.do_sample : undefined,
  };
}

/** Checks a local folder and fills in the model facts. The folder must already have an ONNX file. */
export function inspectModelFolder(dir: string, spec: string, variant?: string): ModelFolder {
  const configFile = join(dir, 'config.json');
  const config = readJsonFile(configFile, true)!;
  if (!existsSync(join(dir, 'tokenizer.json'))) throw new RuntimeError('E_BAD_MODEL', `${join(dir, 'tokenizer.json')}: file not found`);
  const chosen = chooseOnnxFile(filesUnder(dir), variant, dir);
  const onnxFile = join(dir, chosen.file);
  const onnxStat = statSync(onnxFile);
  if (!onnxStat.isFile()) throw new RuntimeError('E_BAD_MODEL', `${onnxFile}: not a regular file`);
  if (onnxStat.size === 0) throw new RuntimeError('E_BAD_MODEL', `${onnxFile}: file is empty`);
  return { spec, dir, onnxFile, variant: chosen.variant, ...modelKindOf(config, configFile), config, generation: readGenerationConfig(dir, config) };
}

function hasOnnx(dir: string): boolean {
  return filesUnder(dir).some((f) => f.endsWith('.onnx'));
}

/** Checkpoints the exporter turns into ONNX: safetensors (single or sharded), llama2.c .bin. */
function isExportable(dir: string): boolean {
  return readdirSync(dir).some((f) => /\.safetensors(\.index\.json)?$|\.bin$/.test(f));
}

/** Resolves a model spec (folder path, hub id, safetensors-only folder) to a ready folder. */
export async function resolveModelFolder(spec: string, options: ResolveOptions = {}): Promise<ModelFolder> {
  const local = resolve(spec);
  if (existsSync(local) && statSync(local).isDirectory()) {
    // A PEFT LoRA adapter folder: its base checkpoint with the adapter merged in.
    if (isLoraAdapterFolder(local)) {
      const progress = (fraction: number, message: string) => options.onProgress?.({ phase: 'export', fraction, message });
      let merged: string;
      try {
        merged = ensureLoraMergedFolder(local, options.cacheDir ?? defaultCacheDir(), progress);
      } catch (err) {
        if (err instanceof RuntimeError) throw err;
        throw new RuntimeError('E_BAD_MODEL', `${local}: cannot apply the LoRA adapter (${(err as Error).message.split('\n')[0]})`);
      }
      return inspectModelFolder(merged, spec, options.variant);
    }
    const configFile = join(local, 'config.json');
    const hasConfig = existsSync(configFile);
    // A llama2.c checkpoint (.bin) comes without config.json; the exporter makes one.
    if (!hasConfig && !readdirSync(local).some((f) => f.endsWith('.bin'))) throw new RuntimeError('E_BAD_MODEL', `${configFile}: file not found`);
    if (hasOnnx(local) || !isExportable(local)) return inspectModelFolder(local, spec, options.variant);
    // Validate config/architecture before spending time on an export.
    if (hasConfig) modelKindOf(readJsonFile(configFile, true)!, configFile);
    let exported: string;
    try {
      exported = await ensureOnnxFolder(local, options.cacheDir ?? defaultCacheDir(), (fraction, message) => options.onProgress?.({ phase: 'export', fraction, message }));
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      throw new RuntimeError('E_BAD_MODEL', (err as Error).message.split('\n')[0]!);
    }
    return inspectModelFolder(exported, spec, options.variant);
  }
  if (existsSync(local)) throw new RuntimeError('E_MODEL_NOT_FOUND', `${local}: is a file; a model is a folder (config.json, tokenizer.json, onnx/model.onnx) or a hub id`);
  const remote = remoteModelOf(spec);
  if (remote) throw new RuntimeError('E_MODEL_NOT_FOUND', describeRemoteModel(spec, remote));
  if (!looksLikeHubId(spec)) throw new RuntimeError('E_MODEL_NOT_FOUND', `model '${spec}': no such folder, and not a hub id (org/name)`);
  const dir = await resolveHubModel(
    spec,
    (files) => {
      const chosen = chooseOnnxFile(files, options.variant, `model '${spec}' on the hub`);
      const wanted = ['config.json', 'tokenizer.json', chosen.file];
      for (const optional of ['tokenizer_config.json', 'generation_config.json', 'special_tokens_map.json']) {
        if (files.includes(optional)) wanted.push(optional);
      }
      // External weights: model.onnx_data, or chunks model.onnx_data_1, _2, … for large models.
      wanted.push(...files.filter((f) => f.startsWith(`${chosen.file}_data`)));
      return wanted;
    },
    {
      cacheDir: options.hubCacheDir,
      offline: options.offline,
      onProgress: (p: DownloadProgress) => options.onProgress?.({ phase: 'download', ...p }),
    },
  );
  return inspectModelFolder(dir, spec, options.variant);
}
