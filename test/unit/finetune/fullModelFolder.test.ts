// A full fine-tuning run end to end on stories260k + tinysent: the Hugging Face folder it writes
// (weights under the checkpoint's own names, config, tokenizer, onnx/model.onnx with KV cache) is
// what `eval --model DIR` and transformers.js load, and they measure what the run reported.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { readModelFile } from '../../../src/engine/onnx/codec';
import { readSafetensors } from '../../../src/engine/onnx/safetensors';
import { generate } from '../../../src/engine/runtime/generation';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { SessionCache } from '../../../src/engine/runtime/sessionCache';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import { fineTune } from '../../../src/engine/tuning/finetune/fineTune';
import { STORIES_ABSENT, storiesHfDir, tinysentDir } from '../helpers/fixtures';
import { tinysentPromptFile } from './tinysentTask';

test('full fine tuning writes a Hugging Face folder that eval --model and transformers.js load, measuring what the run reported', async (t) => {
  const hf = storiesHfDir();
  if (!hf || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const { dir, file } = tinysentPromptFile({ method: 'full', steps: 20, evalEvery: 5, lr: 0.001, warmup: 2 });
  try {
    const out = join(dir, 'tuned');
    const events: string[] = [];
    const r = await fineTune({ promptFile: file, out, device: 'cpu', emit: (e) => events.push(e.type) });
    assert.equal(r.method, 'full');
    assert.equal(r.trainable_params, 260_032);
    assert.equal(r.artifact, out);
    assert.deepEqual([...new Set(events)], ['message', 'device', 'progress'], 'the memory estimate (a message), the device, then progress');
    // The manual prompt is the untouched model: tinysent's README gives 0.594 dev and 0.795 test.
    assert.equal(r.manual.dev_acc, 38 / 64);
    assert.equal(r.manual.test_acc, 0.795);
    assert.ok(r.dev_acc! > r.manual.dev_acc!, `training on train raised dev accuracy (${r.manual.dev_acc} → ${r.dev_acc})`);
    assert.equal(typeof r.test_acc, 'number');

    for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors', 'onnx/model.onnx', 'finetune.json']) {
      assert.ok(existsSync(join(out, f)), `${f} is written`);
    }
    const saved = readSafetensors(join(out, 'model.safetensors'));
    const source = readSafetensors(join(hf, 'model.safetensors'));
    assert.deepEqual([...saved.entries.keys()].sort(), [...source.entries.keys()].sort(), 'the checkpoint keeps its HF tensor names');
    for (const [name, e] of source.entries) assert.deepEqual(saved.entry(name).shape, e.shape, `${name} keeps its [out, in] shape`);
    assert.notDeepEqual(saved.float32('model.layers.0.self_attn.q_proj.weight'), source.float32('model.layers.0.self_attn.q_proj.weight'));
    assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).torch_dtype, 'float32');
    const graph = readModelFile(join(out, 'onnx', 'model.onnx')).graph;
    assert.ok(graph.inputs.some((i) => i.name === 'past_key_values.0.key') && graph.outputs.some((o) => o.name === 'present.4.value'), 'the export has the KV cache');

    // eval --model DIR on each split gives the accuracies the run reported.
    const cacheDir = join(dir, 'cache');
    for (const [split, reported] of [['dev', r.dev_acc], ['test', r.test_acc]] as const) {
      const e = await evaluatePromptFile({ promptFile: file, model: out, data: join(tinysentDir()!, `${split}.jsonl`), device: 'cpu', cacheDir });
      assert.equal(e.accuracy, reported, `${split} accuracy through eval --model`);
    }

    // transformers.js loads the folder and decodes greedily what the engine decodes.
    const model = await LanguageModel.load(out, { device: 'cpu', cacheDir, sessions: new SessionCache() });
    const ours = await generate(model, 'Tom found a dog.', { maxTokens: 12, greedy: true });
    const specifier = '@huggingface/transformers';
    const { env, AutoTokenizer, AutoModelForCausalLM } = (await import(specifier)) as typeof import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = `${dirname(out)}/`;
    const tokenizer = await AutoTokenizer.from_pretrained(basename(out));
    const tjs = await AutoModelForCausalLM.from_pretrained(basename(out), { dtype: 'fp32', device: 'cpu' });
    try {
      const inputs = tokenizer('Tom found a dog.', { add_special_tokens: true });
      const ids = ((await tjs.generate({ ...inputs, max_new_tokens: 12, do_sample: false })) as { tolist(): bigint[][] }).tolist()[0]!.map(Number);
      assert.equal(ours.ids.length, 12);
      assert.deepEqual(ids, [...model.encodePrompt('Tom found a dog.'), ...ours.ids]);
    } finally {
      await tjs.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
