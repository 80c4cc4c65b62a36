// The graph soft prompt tuning differentiates: the model without KV cache. A safetensors folder
// is exported in memory with `withPast: false`; an ONNX-only folder (e.g. from the hub) is used
// as it is: KV-cache inputs then get empty past tensors (see softPromptSession.ts).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../onnx/codec';
import { exporters } from '../../onnx/export/exporters';
import { architectureOf, readHfConfig } from '../../onnx/export/hfConfig';
import type { OnnxModel } from '../../onnx/ir';
import { SafetensorsCheckpoint } from '../../onnx/safetensors';

export function loadTrainingGraph(modelDir: string): OnnxModel {
  const hasSafetensors = existsSync(join(modelDir, 'model.safetensors')) || existsSync(join(modelDir, 'model.safetensors.index.json'));
  if (hasSafetensors) {
    const config = readHfConfig(modelDir);
    const arch = architectureOf(config);
    const exporter = exporters[arch ?? ''] ?? exporters[String(config.json['model_type'] ?? '')];
    if (exporter) return exporter({ dir: modelDir, config, weights: SafetensorsCheckpoint.open(modelDir) }, { withPast: false });
  }
  const onnxDir = join(modelDir, 'onnx');
  const file = existsSync(join(onnxDir, 'model.onnx')) ? join(onnxDir, 'model.onnx') : undefined;
  if (!file) {
    const found = existsSync(onnxDir) ? readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
    throw new Error(`${modelDir}: soft prompt tuning needs model.safetensors of a supported architecture or onnx/model.onnx (found ${found.join(', ') || 'neither'})`);
  }
  return readModelFile(file);
}
