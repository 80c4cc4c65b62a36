// Saving a trained LoRA adapter the way HF PEFT's `save_pretrained` does, so PEFT (and our own
// loader, runtime/loraAdapter.ts) can load it: adapter_config.json with peft_type "LORA", r,
// lora_alpha, target_modules and the base model (absolute path or hub id), and
// adapter_model.safetensors with keys `base_model.model.<module>.lora_A.weight` [r, in] and
// `….lora_B.weight` [out, r].
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../../onnx/safetensors';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../runtime/loraAdapter';
import type { ParameterSet } from './parameters';

export interface LoraAdapterToSave {
  r: number;
  alpha: number;
  targetModules: readonly string[];
  /** Absolute path or hub id of the base model. */
  baseModel: string;
  /** The trained A and B matrices (names are PEFT's keys). */
  params: ParameterSet;
}

export function saveLoraAdapter(dir: string, adapter: LoraAdapterToSave): void {
  mkdirSync(dir, { recursive: true });
  const { params } = adapter;
  writeSafetensors(
    join(dir, ADAPTER_WEIGHTS_FILE),
    params.tensors.map((t) => ({ name: t.hfName, dtype: 'F32' as const, shape: [...t.dims], data: params.view(t) })),
    { format: 'pt' },
  );
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: adapter.baseModel,
    r: adapter.r,
    lora_alpha: adapter.alpha,
    lora_dropout: 0,
    target_modules: [...adapter.targetModules],
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
  const tmp = join(dir, `${ADAPTER_CONFIG_FILE}.tmp-${process.pid}`);
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(tmp, join(dir, ADAPTER_CONFIG_FILE));
}
