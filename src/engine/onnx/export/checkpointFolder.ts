// A new Hugging Face model folder made from an existing safetensors checkpoint with some tensors
// replaced (fine-tuned weights, LoRA deltas merged in): config and tokenizer files copied,
// `model.safetensors` in the checkpoint's own tensor names, and `onnx/model.onnx` (with KV cache)
// made by re-running the exporter on the new checkpoint, so the graph is exactly what exporting
// that checkpoint from disk would give. Built in a temporary folder the caller publishes.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SafetensorsCheckpoint, type TensorToWrite, writeSafetensors } from '../safetensors';
import { buildOnnxModel, COPIED_FILES, writeTempExportFolder } from './exportModel';

export interface TensorReplacement {
  /** Shape in the checkpoint's layout (torch Linear: [out, in]). */
  shape: number[];
  data: Float32Array;
}

export interface CheckpointFolderOptions {
  /** Edits config.json (e.g. torch_dtype after training in float32). */
  editConfig?: (config: Record<string, unknown>) => Record<string, unknown>;
  /** Extra files written beside the model (name → text). */
  extraFiles?: Record<string, string>;
}

/**
 * Writes srcDir's checkpoint with `replaced` tensors swapped in, plus its ONNX export, into a
 * fresh temporary folder beside `outDir` and returns its path. Tensors not replaced keep their
 * stored bytes and dtype; every replaced name must exist in the source checkpoint.
 */
export function buildCheckpointFolder(srcDir: string, outDir: string, replaced: ReadonlyMap<string, TensorReplacement>, options: CheckpointFolderOptions = {}): string {
  const source = SafetensorsCheckpoint.open(srcDir);
  for (const name of replaced.keys()) {
    if (!source.has(name)) throw new Error(`${srcDir}: the checkpoint has no tensor '${name}' to replace`);
  }
  const parent = dirname(resolve(outDir));
  mkdirSync(parent, { recursive: true });
  const stage = join(parent, `.${basename(outDir)}.weights-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  let exported: string | undefined;
  try {
    mkdirSync(stage, { recursive: true });
    for (const name of COPIED_FILES) {
      if (existsSync(join(srcDir, name))) copyFileSync(join(srcDir, name), join(stage, name));
    }
    if (options.editConfig) {
      const config = JSON.parse(readFileSync(join(stage, 'config.json'), 'utf8'));
      writeFileSync(join(stage, 'config.json'), `${JSON.stringify(options.editConfig(config), null, 2)}\n`);
    }
    const tensors: TensorToWrite[] = source.names().map((name) => {
      const r = replaced.get(name);
      if (r) return { name, dtype: 'F32', shape: r.shape, data: r.data };
      const e = source.entry(name);
      return { name, dtype: e.dtype, shape: e.shape, data: e.bytes };
    });
    writeSafetensors(join(stage, 'model.safetensors'), tensors, { format: 'pt' });
    // The export folder gets the config/tokenizer copies from the stage; then the weights join it.
    exported = writeTempExportFolder(stage, buildOnnxModel(stage, { withPast: true }), outDir);
    renameSync(join(stage, 'model.safetensors'), join(exported, 'model.safetensors'));
    for (const [name, text] of Object.entries(options.extraFiles ?? {})) writeFileSync(join(exported, name), text);
    return exported;
  } catch (e) {
    if (exported) rmSync(exported, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Moves every entry of a finished temporary folder into `outDir` (created if needed), each by one
 * rename, so other entries of `outDir` (a training checkpoint) stay where they are.
 */
export function moveFolderContents(tmp: string, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(tmp)) {
    const target = join(outDir, name);
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(join(tmp, name), target);
  }
  rmSync(tmp, { recursive: true, force: true });
}
