// The graph soft prompt tuning differentiates: the model without KV cache. A safetensors folder
// is exported in memory with `withPast: false` (its weights read from the checkpoint only when
// the session is built); an ONNX-only folder (e.g. from the hub) is used as it is: KV-cache
// inputs then get empty past tensors (see softPromptSession.ts).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../onnx/codec';
import { exporters } from '../../onnx/export/exporters';
import { architectureOf, readHfConfig } from '../../onnx/export/hfConfig';
import type { OnnxModel } from '../../onnx/ir';
import { SafetensorsCheckpoint } from '../../onnx/safetensors';
import { chooseOnnxFile } from '../../runtime/onnxVariant';

export function loadTrainingGraph(modelDir: string): OnnxModel {
  const hasSafetensors = existsSync(join(modelDir, 'model.safetensors')) || existsSync(join(modelDir, 'model.safetensors.index.json'));
  if (hasSafetensors) {
    const config = readHfConfig(modelDir);
    const arch = architectureOf(config);
    const exporter = exporters[arch ?? ''] ?? exporters[String(config.json['model_type'] ?? '')];
    if (exporter) return exporter({ dir: modelDir, config, weights: SafetensorsCheckpoint.open(modelDir) }, { withPast: false });
  }
  // An ONNX-only folder: onnx/model.onnx, else the first variant in the usual order (fp16, q8, q4, …):
  // evaluation runs on any of them; gradients need float weights (see softPromptSession.ts).
  const onnxDir = join(modelDir, 'onnx');
  const found = existsSync(onnxDir) ? readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  let file: string;
  try {
    file = chooseOnnxFile(found.map((f) => `onnx/${f}`), undefined, modelDir).file;
  } catch {
    throw new Error(`${modelDir}: soft prompt tuning needs model.safetensors of a supported architecture or an onnx/model*.onnx file (found ${found.join(', ') || 'neither'})`);
  }
  // Big tensors stay in the file until the session is built (then they are read one by one).
  return readModelFile(join(modelDir, file), { lazyTensors: true });
}
