// PEFT LoRA adapters (adapter_config.json with peft_type "LORA" + adapter_model.safetensors)
// applied at load time: W' = W + (lora_alpha / r)·B·A (√r with use_rslora) is merged into the base
// checkpoint's weights and that checkpoint is exported to ONNX, once per adapter version, into
// the cache. So `run`/`eval --model ADAPTER_DIR` work like any model folder.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { buildCheckpointFolder, type TensorReplacement } from '../onnx/export/checkpointFolder';
import { EXPORTER_VERSION, hasOnnxModel, publishFolder } from '../onnx/export/exportModel';
import { readSafetensors, SafetensorsCheckpoint } from '../onnx/safetensors';
import { RuntimeError } from './errors';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

export interface LoraAdapter {
  dir: string;
  r: number;
  alpha: number;
  /** lora_alpha / r (or / √r with use_rslora). */
  scaling: number;
  targetModules: string[];
  /** The base model as written in the config (absolute path or hub id). */
  baseModel: string;
  /** Per adapted module (e.g. `model.layers.0.self_attn.q_proj`): A [r, in] and B [out, r]. */
  modules: Map<string, { A: Float32Array; B: Float32Array; in: number; out: number }>;
}

const KEY = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

function readJson(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RuntimeError('E_BAD_MODEL', `${file}: ${code === 'ENOENT' ? 'file not found' : `not valid JSON (${(err as Error).message})`}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RuntimeError('E_BAD_MODEL', `${file}: expected a JSON object`);
  return raw as Record<string, unknown>;
}

/** True when `dir` holds a PEFT LoRA adapter (and so is applied to its base model at load). */
export function isLoraAdapterFolder(dir: string): boolean {
  const file = join(dir, ADAPTER_CONFIG_FILE);
  if (!existsSync(file)) return false;
  try {
    return JSON.parse(readFileSync(file, 'utf8')).peft_type === 'LORA';
  } catch {
    return false;
  }
}

export function readLoraAdapter(dir: string): LoraAdapter {
  const configFile = join(dir, ADAPTER_CONFIG_FILE);
  const config = readJson(configFile);
  const bad = (field: string, what: string) => new RuntimeError('E_BAD_MODEL', `${configFile}: '${field}' ${what}, got ${JSON.stringify(config[field])}`);
  if (config.peft_type !== 'LORA') throw bad('peft_type', 'must be "LORA"');
  const r = config.r;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) throw bad('r', 'must be a positive integer');
  const alpha = config.lora_alpha ?? 8;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw bad('lora_alpha', 'must be a number');
  if (typeof config.base_model_name_or_path !== 'string' || config.base_model_name_or_path === '') throw bad('base_model_name_or_path', 'must name the base model');
  if (config.use_dora === true) throw bad('use_dora', 'DoRA adapters are not supported; must be false');
  if (config.fan_in_fan_out === true) throw bad('fan_in_fan_out', 'is not supported (Conv1D layers); must be false');
  const targets = config.target_modules;
  const targetModules = typeof targets === 'string' ? [targets] : Array.isArray(targets) ? targets.filter((t): t is string => typeof t === 'string') : [];
  const scaling = config.use_rslora === true ? alpha / Math.sqrt(r) : alpha / r;

  const weightsFile = join(dir, ADAPTER_WEIGHTS_FILE);
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(weightsFile);
  } catch (err) {
    throw new RuntimeError('E_BAD_MODEL', (err as Error).message);
  }
  const parts = new Map<string, { A?: { data: Float32Array; shape: number[] }; B?: { data: Float32Array; shape: number[] } }>();
  for (const name of file.entries.keys()) {
    const m = name.match(KEY);
    if (!m) throw new RuntimeError('E_BAD_MODEL', `${weightsFile}: tensor '${name}' is not a LoRA matrix (expected base_model.model.<module>.lora_A.weight / lora_B.weight)`);
    const entry = parts.get(m[1]!) ?? {};
    entry[m[2] as 'A' | 'B'] = { data: file.float32(name), shape: file.entry(name).shape };
    parts.set(m[1]!, entry);
  }
  const modules: LoraAdapter['modules'] = new Map();
  for (const [module, { A, B }] of parts) {
    if (!A || !B) throw new RuntimeError('E_BAD_MODEL', `${weightsFile}: module '${module}' has lora_${A ? 'A' : 'B'} but no lora_${A ? 'B' : 'A'}`);
    if (A.shape.length !== 2 || B.shape.length !== 2 || A.shape[0] !== r || B.shape[1] !== r) {
      throw new RuntimeError('E_BAD_MODEL', `${weightsFile}: module '${module}': lora_A [${A.shape}] and lora_B [${B.shape}] must be [${r}, in] and [out, ${r}] (r = ${r})`);
    }
    modules.set(module, { A: A.data, B: B.data, in: A.shape[1]!, out: B.shape[0]! });
  }
  if (modules.size === 0) throw new RuntimeError('E_BAD_MODEL', `${weightsFile}: no LoRA matrices`);
  return { dir, r, alpha, scaling, targetModules, baseModel: config.base_model_name_or_path, modules };
}

/** The base checkpoint folder: an absolute path, or a path relative to the adapter folder. */
export function loraBaseFolder(adapter: LoraAdapter): string {
  const base = isAbsolute(adapter.baseModel) ? adapter.baseModel : resolve(adapter.dir, adapter.baseModel);
  const hasWeights = existsSync(join(base, 'model.safetensors')) || existsSync(join(base, 'model.safetensors.index.json'));
  if (!hasWeights) {
    throw new RuntimeError(
      'E_BAD_MODEL',
      `${join(adapter.dir, ADAPTER_CONFIG_FILE)}: base_model_name_or_path '${adapter.baseModel}' is not a local folder with model.safetensors (a LoRA adapter is merged into the base checkpoint's weights)`,
    );
  }
  return base;
}

/** The base weights with every adapted module's W [out, in] replaced by W + scaling·B·A. */
export function mergeLora(adapter: LoraAdapter, base: SafetensorsCheckpoint): Map<string, TensorReplacement> {
  const merged = new Map<string, TensorReplacement>();
  for (const [module, { A, B, in: inDim, out }] of adapter.modules) {
    const name = `${module}.weight`;
    if (!base.has(name)) throw new RuntimeError('E_BAD_MODEL', `${adapter.dir}: the base model has no weight '${name}' for the adapter's module '${module}'`);
    const W = base.float32(name, [out, inDim]);
    const r = adapter.r;
    const row = new Float64Array(inDim);
    for (let o = 0; o < out; o++) {
      row.fill(0);
      for (let k = 0; k < r; k++) {
        const b = B[o * r + k]!;
        if (b === 0) continue;
        const a = k * inDim;
        for (let i = 0; i < inDim; i++) row[i]! += b * A[a + i]!;
      }
      for (let i = 0; i < inDim; i++) W[o * inDim + i] = W[o * inDim + i]! + adapter.scaling * row[i]!;
    }
    merged.set(name, { shape: [out, inDim], data: W });
  }
  return merged;
}

/**
 * A model folder (config, tokenizer, merged model.safetensors, onnx/model.onnx) for the adapter
 * in `adapterDir`, made on first use under `<cacheDir>/lora-merged/` and keyed by the adapter's
 * and the base checkpoint's files (size and time), so a retrained adapter is merged afresh.
 */
export function ensureLoraMergedFolder(adapterDir: string, cacheDir: string, onProgress?: (fraction: number, message: string) => void): string {
  const adapter = readLoraAdapter(adapterDir);
  const baseDir = loraBaseFolder(adapter);
  const hash = createHash('sha256').update(`v${EXPORTER_VERSION}`);
  for (const file of [join(adapterDir, ADAPTER_CONFIG_FILE), join(adapterDir, ADAPTER_WEIGHTS_FILE), ...SafetensorsCheckpoint.open(baseDir).files]) {
    const st = statSync(file);
    hash.update(`\0${resolve(file)}\0${st.size}\0${st.mtimeMs}`);
  }
  const target = join(cacheDir, 'lora-merged', `${basename(resolve(adapterDir))}-${hash.digest('hex').slice(0, 16)}`);
  if (hasOnnxModel(target)) return target;
  onProgress?.(0.1, `merging the LoRA adapter into ${basename(baseDir)}`);
  const merged = mergeLora(adapter, SafetensorsCheckpoint.open(baseDir));
  onProgress?.(0.4, 'exporting the merged model to ONNX');
  publishFolder(buildCheckpointFolder(baseDir, target, merged), target);
  onProgress?.(1, `merged into ${target}`);
  return target;
}
