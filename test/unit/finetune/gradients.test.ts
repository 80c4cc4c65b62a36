// The gradients fine tuning steps on, checked on the real stories260k against central finite
// differences of the same loss: every weight a graph input (full), and LoRA adapters on a frozen
// base. Also the parameter count the product reports (260,032: tied embeddings counted once).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildOnnxModel } from '../../../src/engine/onnx/export/exportModel';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { checkpointTensorShapes, parameterCount } from '../../../src/engine/tuning/finetune/checkpointHeaders';
import { addLoraAdapters } from '../../../src/engine/tuning/finetune/loraGraph';
import { DEFAULT_LORA_TARGETS } from '../../../src/promptFile/promptsmithSettings';
import { weightsAsInputs } from '../../../src/engine/tuning/finetune/parameters';
import { type FineTuneSessions, openFineTuneSessions, releaseFineTuneSessions, runFineTuneBatch } from '../../../src/engine/tuning/finetune/trainingSession';
import { Rng } from '../../../src/engine/tuning/optim/rng';
import { type BatchArrays, buildBatch } from '../../../src/engine/tuning/softprompt/batchFeeds';
import { STORIES_ABSENT, storiesHfDir, tinyModelDir, tinysentDir } from '../helpers/fixtures';

function tinysentBatch(dir: string): BatchArrays {
  const tokenizer = loadTokenizer(dir);
  const rows = readFileSync(join(tinysentDir()!, 'train.jsonl'), 'utf8').trim().split('\n').slice(0, 8).map((l) => JSON.parse(l) as { text: string; label: string });
  const classTokens = [' happy', ' sad'].map((v) => tokenizer.encode(v, { addSpecialTokens: false }));
  return buildBatch(rows.map((r) => ({ ids: tokenizer.encode(`${r.text} They were`), label: r.label === 'positive' ? 0 : 1 })), classTokens, 512);
}

/** Central difference of the batch loss along coordinate i of the parameter vector. */
async function finiteDifference(s: FineTuneSessions, batch: BatchArrays, i: number, h = 1e-2): Promise<number> {
  const v = Float32Array.from(s.params.values);
  v[i] = s.params.values[i]! + h;
  const up = (await runFineTuneBatch(s, batch, undefined, v)).loss;
  v[i] = s.params.values[i]! - h;
  const down = (await runFineTuneBatch(s, batch, undefined, v)).loss;
  return (up - down) / (2 * h);
}

function assertGradient(name: string, analytic: number, numeric: number): void {
  assert.ok(Math.abs(analytic - numeric) <= 3e-4 + 0.03 * Math.abs(numeric), `${name}: autodiff ${analytic} vs finite difference ${numeric}`);
}

/** The coordinate of a tensor with the largest gradient (a check where the gradient matters). */
function largest(grad: Float32Array, offset: number, size: number): number {
  let best = offset;
  for (let i = offset; i < offset + size; i++) if (Math.abs(grad[i]!) > Math.abs(grad[best]!)) best = i;
  return best;
}

test('full fine tuning trains every stories260k weight: 260,032 parameters, the tied embedding once', async (t) => {
  const dir = storiesHfDir();
  if (!dir) return t.skip(STORIES_ABSENT);
  const shapes = checkpointTensorShapes(dir);
  const { params } = weightsAsInputs(buildOnnxModel(dir, { withPast: false }), shapes);
  assert.equal(params.count, 260_032);
  assert.equal(parameterCount(shapes), 260_032);
  // The LM head reads the embedding table: no separate lm_head parameter exists.
  assert.ok(params.byName('model.embed_tokens.weight'));
  assert.equal(params.tensors.filter((p) => p.hfName.startsWith('lm_head')).length, 0);
  const q = params.byName('model.layers.0.self_attn.q_proj.weight.T')!;
  assert.deepEqual([q.hfName, q.transposed, q.decay], ['model.layers.0.self_attn.q_proj.weight', true, true]);
  assert.equal(params.byName('model.norm.weight')!.decay, false);
});

test('full fine tuning gradients of the class-score loss equal finite differences, the tied embedding getting both uses', async (t) => {
  const dir = storiesHfDir();
  if (!dir || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const { model, params } = weightsAsInputs(buildOnnxModel(dir, { withPast: false }), checkpointTensorShapes(dir));
  const s = await openFineTuneSessions(model, params, { loss: 'classification', device: 'cpu' });
  try {
    const batch = tinysentBatch(dir);
    const grad = new Float32Array(params.count);
    const r = await runFineTuneBatch(s, batch, grad);
    assert.equal(r.loss, (await runFineTuneBatch(s, batch)).loss, 'the forward and gradient sessions compute the same loss');
    for (const name of ['model.layers.0.self_attn.q_proj.weight.T', 'model.layers.2.mlp.down_proj.weight.T', 'model.layers.4.input_layernorm.weight', 'model.norm.weight']) {
      const p = params.byName(name)!;
      const i = largest(grad, p.offset, p.size);
      assertGradient(name, grad[i]!, await finiteDifference(s, batch, i));
    }
    // An embedding row whose token is not in the batch is reached only through the tied LM head;
    // a row whose token is in the batch gets the lookup's gradient as well.
    const table = params.byName('model.embed_tokens.weight')!;
    const used = new Set(Array.from(batch.inputIds, Number));
    const d = 64;
    // Of the rows not looked up, the one the LM head moves most.
    const unused = [...Array(512).keys()].filter((id) => !used.has(id));
    const headOnly = unused.map((id) => largest(grad, table.offset + id * d, d)).reduce((a, b) => (Math.abs(grad[b]!) > Math.abs(grad[a]!) ? b : a));
    assert.ok(Math.abs(grad[headOnly]!) > 1e-6, 'the LM head use gives the embedding a gradient');
    assertGradient('an embedding row not in the batch (LM head only)', grad[headOnly]!, await finiteDifference(s, batch, headOnly));
    const inBatch = largest(grad, table.offset + Number(batch.inputIds[1]) * d, d);
    assertGradient('embedding row of an input token (lookup + LM head)', grad[inBatch]!, await finiteDifference(s, batch, inBatch));
  } finally {
    await releaseFineTuneSessions(s);
  }
});

test('LoRA starts from the base model exactly (B = 0) and its A and B gradients equal finite differences', async (t) => {
  const dir = storiesHfDir();
  if (!dir || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const full = weightsAsInputs(buildOnnxModel(dir, { withPast: false }), checkpointTensorShapes(dir));
  const lora = addLoraAdapters(full.model, { r: 4, alpha: 8, targetModules: DEFAULT_LORA_TARGETS }, new Rng(5));
  assert.equal(lora.targets.length, 20, 'q, k, v, o in each of 5 layers');
  // r·(in + out) per module: q and o 4·(64+64), k and v 4·(64+32).
  assert.equal(lora.params.count, 5 * 4 * (128 + 96 + 96 + 128));
  assert.deepEqual(lora.params.byName('base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight')!.dims, [32, 4]);
  const base = await openFineTuneSessions(full.model, full.params, { loss: 'classification', device: 'cpu' });
  const s = await openFineTuneSessions(lora.model, lora.params, { loss: 'classification', device: 'cpu', frozen: full.params });
  try {
    const batch = tinysentBatch(dir);
    assert.equal((await runFineTuneBatch(s, batch)).loss, (await runFineTuneBatch(base, batch)).loss);
    // With B = 0 the A matrices get no gradient; give B values so both are checked.
    const rng = new Rng(9);
    for (const p of lora.params.tensors) if (p.name.endsWith('lora_B.weight')) for (let i = p.offset; i < p.offset + p.size; i++) lora.params.values[i] = 0.05 * rng.normal();
    const grad = new Float32Array(lora.params.count);
    await runFineTuneBatch(s, batch, grad);
    for (const name of ['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', 'base_model.model.model.layers.3.self_attn.v_proj.lora_B.weight', 'base_model.model.model.layers.4.self_attn.o_proj.lora_A.weight']) {
      const p = lora.params.byName(name)!;
      const i = largest(grad, p.offset, p.size);
      assertGradient(name, grad[i]!, await finiteDifference(s, batch, i));
    }
  } finally {
    await releaseFineTuneSessions(s);
    await releaseFineTuneSessions(base);
  }
});

test('GPT-2 checkpoints train too: Conv1D weights are stored [in, out] as the graph uses them, and a step lowers the loss', async () => {
  const dir = tinyModelDir('gpt2');
  const shapes = checkpointTensorShapes(dir);
  const { model, params } = weightsAsInputs(buildOnnxModel(dir, { withPast: false }), shapes);
  assert.equal(params.count, parameterCount(shapes), 'every stored tensor is trained, the tied head once');
  const attn = params.byName('transformer.h.0.attn.c_attn.weight')!;
  assert.deepEqual([attn.hfName, attn.transposed, attn.dims], ['transformer.h.0.attn.c_attn.weight', false, [32, 96]]);
  const s = await openFineTuneSessions(model, params, { loss: 'generation', device: 'cpu' });
  try {
    const batch = buildBatch([{ ids: [5, 6, 7, 8], target: [9, 10, 11] }, { ids: [12, 13], target: [14, 15] }], [], 300);
    const grad = new Float32Array(params.count);
    const before = (await runFineTuneBatch(s, batch, grad)).loss;
    for (let i = 0; i < grad.length; i++) params.values[i] = params.values[i]! - 0.05 * grad[i]!;
    assert.ok((await runFineTuneBatch(s, batch)).loss < before);
  } finally {
    await releaseFineTuneSessions(s);
  }
});
