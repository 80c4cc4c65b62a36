// LoRA end to end: the adapter is saved in PEFT's format (config fields, key names, [r, in] and
// [out, r] shapes), and `eval --model ADAPTER_DIR` applies it to its base model at load time
// (merged W + α/r·B·A), measuring exactly what the run reported.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SafetensorsCheckpoint, readSafetensors } from '../../../src/engine/onnx/safetensors';
import { RuntimeError } from '../../../src/engine/runtime/errors';
import { mergeLora, readLoraAdapter } from '../../../src/engine/runtime/loraAdapter';
import { resolveModelFolder } from '../../../src/engine/runtime/modelFolder';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import { fineTune } from '../../../src/engine/tuning/finetune/fineTune';
import { STORIES_ABSENT, storiesHfDir, tinysentDir } from '../helpers/fixtures';
import { tinysentPromptFile } from './tinysentTask';

test('LoRA fine tuning saves a PEFT adapter that eval --model applies to its base model', async (t) => {
  const hf = storiesHfDir();
  if (!hf || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const { dir, file } = tinysentPromptFile({ method: 'lora', rank: 4, alpha: 8, steps: 20, evalEvery: 5, lr: 0.01, warmup: 2 });
  try {
    const out = join(dir, 'adapter');
    const r = await fineTune({ promptFile: file, out, device: 'cpu' });
    assert.equal(r.method, 'lora');
    assert.equal(r.trainable_params, 5 * 4 * (128 + 96 + 96 + 128));
    assert.equal(r.total_params, 260_032);
    assert.ok(r.dev_acc! > r.manual.dev_acc!, `LoRA raised dev accuracy (${r.manual.dev_acc} → ${r.dev_acc})`);

    const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    assert.equal(config.peft_type, 'LORA');
    assert.equal(config.r, 4);
    assert.equal(config.lora_alpha, 8);
    assert.deepEqual(config.target_modules, ['q_proj', 'k_proj', 'v_proj', 'o_proj']);
    assert.equal(config.base_model_name_or_path, hf, 'the base model as an absolute path');
    const weights = readSafetensors(join(out, 'adapter_model.safetensors'));
    assert.equal(weights.entries.size, 40);
    assert.deepEqual(weights.entry('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight').shape, [4, 64]);
    assert.deepEqual(weights.entry('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight').shape, [64, 4]);
    assert.deepEqual(weights.entry('base_model.model.model.layers.4.self_attn.v_proj.lora_B.weight').shape, [32, 4]);

    // The merge is W + (α/r)·B·A on the checkpoint's [out, in] weight.
    const adapter = readLoraAdapter(out);
    const base = SafetensorsCheckpoint.open(hf);
    const merged = mergeLora(adapter, base).get('model.layers.2.self_attn.k_proj.weight')!;
    const { A, B } = adapter.modules.get('model.layers.2.self_attn.k_proj')!;
    const W = base.float32('model.layers.2.self_attn.k_proj.weight');
    const [o, i] = [7, 13];
    let delta = 0;
    for (let k = 0; k < 4; k++) delta += B[o * 4 + k]! * A[k * 64 + i]!;
    assert.ok(Math.abs(merged.data[o * 64 + i]! - (W[o * 64 + i]! + 2 * delta)) < 1e-6);

    const cacheDir = join(dir, 'cache');
    const folder = await resolveModelFolder(out, { cacheDir });
    assert.ok(folder.dir.startsWith(join(cacheDir, 'lora-merged')), folder.dir);
    for (const [split, reported] of [['dev', r.dev_acc], ['test', r.test_acc]] as const) {
      const e = await evaluatePromptFile({ promptFile: file, model: out, data: join(tinysentDir()!, `${split}.jsonl`), device: 'cpu', cacheDir });
      assert.equal(e.accuracy, reported, `${split} accuracy through eval --model ADAPTER`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a LoRA adapter whose base model is missing or whose matrices do not fit is refused naming the file', async (t) => {
  const hf = storiesHfDir();
  if (!hf || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const { dir, file } = tinysentPromptFile({ method: 'lora', rank: 2, steps: 2, evalEvery: 1 });
  try {
    const out = join(dir, 'adapter');
    await fineTune({ promptFile: file, out, device: 'cpu' });
    const configFile = join(out, 'adapter_config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    writeFileSync(configFile, JSON.stringify({ ...config, base_model_name_or_path: join(dir, 'no-such-model') }));
    await assert.rejects(resolveModelFolder(out, { cacheDir: join(dir, 'cache') }), (e: Error) => e instanceof RuntimeError && e.message.includes(configFile) && e.message.includes('no-such-model'));
    writeFileSync(configFile, JSON.stringify({ ...config, r: 3 }));
    assert.throws(() => readLoraAdapter(out), /must be \[3, in\] and \[out, 3\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
