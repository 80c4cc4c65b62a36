// Exporting a safetensors checkpoint folder to a transformers.js-style ONNX folder, atomically,
// and caching such exports so a safetensors-only model is exported once per checkpoint version.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeModelFile } from '../codec';
import type { OnnxModel } from '../ir';
import { SafetensorsCheckpoint } from '../safetensors';
import { exporters } from './exporters';
import { architectureOf, ExportError, readHfConfig } from './hfConfig';
import { COPIED_FILES, checkExportTarget, contentKey, replaceFolder, tempFolderBeside } from './exportTarget';

// The list moved to exportTarget.ts (what an export folder holds); importers of this module keep it.
export { COPIED_FILES } from './exportTarget';

export type ExportProgress = (fraction: number, message: string) => void;

/** Bump when the exported graph changes, so cached exports are redone. */
export const EXPORTER_VERSION = 1;

export interface ExportModelOptions {
  onProgress?: ExportProgress;
  /** Default true: KV-cache inputs/outputs. */
  withPast?: boolean;
  /** Force (true) or forbid (false) onnx/model.onnx_data; default: only when over 2 GB. */
  externalData?: boolean;
  /** Replace `outDir` even when it holds files that no export wrote. */
  force?: boolean;
}

/**
 * Exports `srcDir` into `outDir` (onnx/model.onnx + config and tokenizer files), replacing an
 * earlier export there. Refuses (before any work) an `outDir` that is, holds or lies inside the
 * source, or that holds other files (unless `force`).
 */
export async function exportModel(srcDir: string, outDir: string, options: ExportModelOptions = {}): Promise<void> {
  checkExportTarget([srcDir], outDir, options);
  replaceFolder(await exportToTemp(srcDir, outDir, options), outDir);
  options.onProgress?.(1, `exported to ${outDir}`);
}

/** Reads config.json + safetensors of `srcDir` and builds the ONNX model (in memory). */
export function buildOnnxModel(srcDir: string, options: ExportModelOptions = {}): OnnxModel {
  const progress = options.onProgress ?? (() => {});
  const config = readHfConfig(srcDir);
  const arch = architectureOf(config);
  const exporter = exporters[arch ?? ''] ?? exporters[String(config.json['model_type'] ?? '')];
  if (!exporter) {
    const supported = Object.keys(exporters).filter((k) => /[A-Z]/.test(k));
    throw new ExportError(`${config.path}: unsupported architecture ${JSON.stringify(arch ?? null)} (supported: ${supported.join(', ')})`);
  }
  progress(0.05, `reading weights of ${basename(resolve(srcDir))}`);
  const weights = SafetensorsCheckpoint.open(srcDir);
  progress(0.3, `building the ${arch} graph`);
  return exporter({ dir: srcDir, config, weights }, { withPast: options.withPast ?? true });
}

/** Builds the export in a temporary folder beside `outDir` and returns its path. */
async function exportToTemp(srcDir: string, outDir: string, options: ExportModelOptions): Promise<string> {
  const model = buildOnnxModel(srcDir, options);
  options.onProgress?.(0.6, 'encoding and writing ONNX');
  await yieldToEventLoop();
  return writeTempExportFolder(srcDir, model, outDir, { externalData: options.externalData });
}

/**
 * Writes onnx/model.onnx (the model, or its already encoded bytes) and the config/tokenizer files
 * of `srcDir` into a fresh temporary folder beside `outDir`, for the caller to rename into place.
 * Models too big for one protobuf get onnx/model.onnx_data, and config.json then says so to
 * transformers.js (`transformers.js_config.use_external_data_format`).
 */
export function writeTempExportFolder(srcDir: string, model: OnnxModel | Uint8Array, outDir: string, options: { externalData?: boolean } = {}): string {
  mkdirSync(dirname(resolve(outDir)), { recursive: true });
  const tmp = tempFolderBeside(outDir);
  try {
    mkdirSync(join(tmp, 'onnx'), { recursive: true });
    const modelPath = join(tmp, 'onnx', 'model.onnx');
    let external: string | undefined;
    if (model instanceof Uint8Array) writeFileSync(modelPath, model);
    else external = writeModelFile(modelPath, model, options.externalData);
    for (const name of COPIED_FILES) {
      const from = join(srcDir, name);
      if (!existsSync(from)) continue;
      // A named pipe or a device would block the copy or fill the disk.
      if (!statSync(from).isFile()) throw new ExportError(`${from}: not a regular file`);
      copyFileSync(from, join(tmp, name));
    }
    if (external) {
      const config = JSON.parse(readFileSync(join(tmp, 'config.json'), 'utf8'));
      config['transformers.js_config'] = { ...config['transformers.js_config'], use_external_data_format: true };
      writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return tmp;
}

/**
 * Renames a finished temp folder to `target` unless `target` already holds a model (another
 * process won the race: its folder is complete, since it was renamed into place whole).
 */
export function publishFolder(tmp: string, target: string): void {
  try {
    renameSync(tmp, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    rmSync(tmp, { recursive: true, force: true });
    if (!((code === 'ENOTEMPTY' || code === 'EEXIST') && hasOnnxModel(target))) throw e;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** True if `dir/onnx` holds a model*.onnx file. */
export function hasOnnxModel(dir: string): boolean {
  const onnxDir = join(dir, 'onnx');
  return existsSync(onnxDir) && readdirSync(onnxDir).some((f) => /^model.*\.onnx$/.test(f));
}

/**
 * A folder with onnx/model*.onnx for `modelDir`: the folder itself if it has one, else the
 * cached export of its safetensors checkpoint (made now if missing). Keyed by the resolved path
 * and the content of every input file (weights, config, tokenizer), so an edited config.json or
 * a fixed tokenizer.json gives a new export. Safe for concurrent callers: each exports into its
 * own temp folder and renames it into place; a loser of the race uses the winner's folder.
 */
export async function ensureOnnxFolder(modelDir: string, cacheDir: string, onProgress?: ExportProgress): Promise<string> {
  if (!existsSync(modelDir)) throw new ExportError(`${modelDir}: no such folder`);
  if (hasOnnxModel(modelDir)) return modelDir;
  const checkpointFiles = readdirSync(modelDir).filter((f) => /\.safetensors(\.index\.json)?$/.test(f));
  if (checkpointFiles.length === 0) {
    throw new ExportError(`${modelDir}: no onnx/model*.onnx and no model.safetensors to export from`);
  }
  const inputs = [...checkpointFiles, ...COPIED_FILES.filter((f) => existsSync(join(modelDir, f)))];
  const key = contentKey(modelDir, inputs, `v${EXPORTER_VERSION}\0${resolve(modelDir)}`);
  const target = join(cacheDir, 'exported', `${basename(resolve(modelDir))}-${key}`);
  if (hasOnnxModel(target)) return target;
  publishFolder(await exportToTemp(modelDir, target, { onProgress }), target);
  onProgress?.(1, `exported to ${target}`);
  return target;
}
