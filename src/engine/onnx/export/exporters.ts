// The table of safetensors → ONNX exporters, keyed by config.json `architectures[0]` (or
// `model_type`). Each exporter file adds one line here.
import type { OnnxModel } from '../ir';
import type { SafetensorsCheckpoint } from '../safetensors';
import { exportBert } from './bert';
import { exportGpt2 } from './gpt2';
import type { HfConfig } from './hfConfig';
import { type DecoderExportOptions, exportLlama } from './llama';

export interface ExportSource {
  /** The checkpoint folder. */
  dir: string;
  config: HfConfig;
  weights: SafetensorsCheckpoint;
}

export type ExportOptions = DecoderExportOptions;

export type Exporter = (source: ExportSource, options: ExportOptions) => OnnxModel;

export const exporters: Record<string, Exporter> = {
  LlamaForCausalLM: (s, o) => exportLlama(s.config, s.weights, o),
  llama: (s, o) => exportLlama(s.config, s.weights, o),
  GPT2LMHeadModel: (s, o) => exportGpt2(s.config, s.weights, o),
  gpt2: (s, o) => exportGpt2(s.config, s.weights, o),
  BertForMaskedLM: (s) => exportBert(s.config, s.weights),
  bert: (s) => exportBert(s.config, s.weights),
};
