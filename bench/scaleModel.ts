// A random Llama with SmolLM2-135M's shape (30 layers, d 576, intermediate 1536, 9 query / 3
// key-value heads, vocabulary 49,152, tied embeddings): the size users bring, made here from a
// fixed seed (no download). The checkpoint goes to <repo>/.models/<name> once; its ONNX export
// (with KV cache, as the runtime runs it) is cached by ensureOnnxFolder beside it.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureOnnxFolder } from '../src/engine/onnx/export/exportModel';
import { type LlamaShapeOverride, writeTinyCheckpoint } from '../src/engine/onnx/export/tinyModels';
import { repoDir } from './benchModels';

export const SMOLLM2_135M_SHAPE: LlamaShapeOverride = { hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, vocab: 49152 };

/** Bump when the generator changes, so a stale checkpoint is not reused. */
const VERSION = 2;

export interface ScaleModel {
  /** The safetensors checkpoint folder (soft prompt tuning exports its training graph from it). */
  checkpoint: string;
  /** The exported ONNX folder (onnx/model.onnx with KV cache): what run, generate and score load. */
  onnx: string;
}

export async function smolLm2ShapedModel(): Promise<ScaleModel> {
  const root = join(repoDir(), '.models');
  const checkpoint = join(root, `random-smollm2-135m-shape-v${VERSION}`);
  if (!existsSync(join(checkpoint, 'model.safetensors'))) {
    const tmp = `${checkpoint}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    writeTinyCheckpoint('llama', tmp, 135, SMOLLM2_135M_SHAPE);
    rmSync(checkpoint, { recursive: true, force: true });
    renameSync(tmp, checkpoint);
  }
  return { checkpoint, onnx: await ensureOnnxFolder(checkpoint, root) };
}
