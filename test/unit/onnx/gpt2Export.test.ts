// The GPT-2 exporter against an independent float64 forward pass written here from the GPT-2
// definition (no exporter code), plus KV-cache and padding consistency in a real ORT session.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { encodeModel } from '../../../src/engine/onnx/codec';
import { exportGpt2 } from '../../../src/engine/onnx/export/gpt2';
import { readHfConfig } from '../../../src/engine/onnx/export/hfConfig';
import { SafetensorsCheckpoint } from '../../../src/engine/onnx/safetensors';
import { ort, type OrtSession } from '../../../src/engine/runtime/ort';
import { tinyModelDir } from '../helpers/fixtures';
import { assertClose, openSession, readConfig, row, runFull, runIncremental } from './tinyDecoding';

let dir: string;
let config: Record<string, number>;
let session: OrtSession;

before(async () => {
  dir = tinyModelDir('gpt2');
  config = readConfig(dir);
  session = await openSession(dir);
});

/** Plain GPT-2 forward (float64): returns logits [seq][vocab] for one sequence. */
function referenceGpt2(ids: number[], scaleByLayer = false): number[][] {
  const w = SafetensorsCheckpoint.open(dir);
  const get = (name: string) => Float64Array.from(w.float32(`transformer.${name}`));
  const d = config.n_embd;
  const heads = config.n_head;
  const hd = d / heads;
  const vocab = config.vocab_size;
  const eps = config.layer_norm_epsilon;
  // x @ W + bias with W stored [inDim, outDim] (GPT-2's Conv1D).
  const affine = (x: number[], W: Float64Array, bias: Float64Array, outDim: number) =>
    Array.from({ length: outDim }, (_, o) => x.reduce((s, xi, i) => s + xi * W[i * outDim + o], bias[o]));
  const norm = (x: number[], g: Float64Array, b: Float64Array) => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
  };
  const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const wte = get('wte.weight');
  const wpe = get('wpe.weight');
  let xs = ids.map((id, t) => Array.from({ length: d }, (_, j) => wte[id * d + j] + wpe[t * d + j]));
  for (let l = 0; l < config.n_layer; l++) {
    const p = (name: string) => get(`h.${l}.${name}`);
    const qkv = xs.map((x) => affine(norm(x, p('ln_1.weight'), p('ln_1.bias')), p('attn.c_attn.weight'), p('attn.c_attn.bias'), 3 * d));
    const context = xs.map((_, t) => {
      const out = new Array<number>(d).fill(0);
      for (let h = 0; h < heads; h++) {
        const q = (s: number, j: number) => qkv[s][h * hd + j];
        const k = (s: number, j: number) => qkv[s][d + h * hd + j];
        const v = (s: number, j: number) => qkv[s][2 * d + h * hd + j];
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += q(t, j) * k(s, j);
          return dot / Math.sqrt(hd) / (scaleByLayer ? l + 1 : 1);
        });
        const top = Math.max(...scores);
        const e = scores.map((sc) => Math.exp(sc - top));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) for (let j = 0; j < hd; j++) out[h * hd + j] += (e[s] / z) * v(s, j);
      }
      return out;
    });
    xs = xs.map((x, t) => {
      const attn = affine(context[t], p('attn.c_proj.weight'), p('attn.c_proj.bias'), d);
      const mid = x.map((v, j) => v + attn[j]);
      const up = affine(norm(mid, p('ln_2.weight'), p('ln_2.bias')), p('mlp.c_fc.weight'), p('mlp.c_fc.bias'), 4 * d).map(gelu);
      const down = affine(up, p('mlp.c_proj.weight'), p('mlp.c_proj.bias'), d);
      return mid.map((v, j) => v + down[j]);
    });
  }
  return xs.map((x) => {
    const h = norm(x, get('ln_f.weight'), get('ln_f.bias'));
    return Array.from({ length: vocab }, (_, v) => h.reduce((s, hj, j) => s + hj * wte[v * d + j], 0));
  });
}

const IDS = [299, 17, 42, 260, 5, 111, 280, 3];

test('tiny GPT-2: ORT logits equal an independent float64 forward pass (1e-4)', async () => {
  const reference = referenceGpt2(IDS);
  const logits = await runFull(session, config, [IDS]);
  assert.deepEqual(logits.dims, [1, IDS.length, config.vocab_size]);
  // Random weights still give logits of order 1, so a 1e-4 agreement is meaningful.
  assert.ok(Math.max(...reference[IDS.length - 1].map(Math.abs)) > 0.5, 'reference logits are not degenerate');
  for (let t = 0; t < IDS.length; t++) assertClose(row(logits, 0, t), reference[t], 1e-4, `position ${t}`);
});

test('tiny GPT-2: token-by-token with the KV cache equals the full sequence (1e-4)', async () => {
  const full = await runFull(session, config, [IDS]);
  const steps = await runIncremental(session, config, IDS);
  for (const [t, logits] of steps.entries()) assertClose(logits, row(full, 0, t), 1e-4, `step ${t}`);
});

test('tiny GPT-2: a left-padded batch gives the same logits as unpadded runs (1e-4)', async () => {
  const short = IDS.slice(0, 5);
  const batch = await runFull(session, config, [IDS, [0, 0, 0, ...short]], [IDS.map(() => 1), [0, 0, 0, 1, 1, 1, 1, 1]]);
  const alone = await runFull(session, config, [short]);
  for (let t = 0; t < short.length; t++) assertClose(row(batch, 1, t + 3), row(alone, 0, t), 1e-4, `padded row position ${t}`);
  const longAlone = await runFull(session, config, [IDS]);
  for (let t = 0; t < IDS.length; t++) assertClose(row(batch, 0, t), row(longAlone, 0, t), 1e-4, `unpadded row position ${t}`);
});

test('tiny GPT-2: the no-past graph (training) and a checkpoint without the transformer. prefix give the same logits', async () => {
  const checkpoint = SafetensorsCheckpoint.open(dir);
  const hf = readHfConfig(dir);
  const noPast = exportGpt2(hf, checkpoint, { withPast: false });
  assert.ok(!noPast.graph.inputs.some((i) => i.name.startsWith('past_key_values')));
  assert.deepEqual(noPast.graph.outputs.map((o) => o.name), ['logits']);
  // Older checkpoints (e.g. openai-community/gpt2) store `wte.weight`, `h.0.…` without the prefix.
  const unprefixed = { has: (n: string) => checkpoint.has(`transformer.${n}`), float32: (n: string, s?: number[]) => checkpoint.float32(`transformer.${n}`, s), files: checkpoint.files };
  const renamed = exportGpt2(hf, unprefixed);
  const embed = renamed.graph.nodes.find((n) => n.opType === 'Gather' && n.inputs[1] === 'input_ids');
  assert.deepEqual(embed?.inputs, ['transformer.wte.weight', 'input_ids'], 'one Gather on the canonical table name');
  const full = await runFull(session, config, [IDS]);
  const Tensor = ort().Tensor;
  const positions = new Tensor('int64', BigInt64Array.from(IDS, (_, i) => BigInt(i)), [1, IDS.length]);
  const ones = new Tensor('int64', BigInt64Array.from(IDS, () => 1n), [1, IDS.length]);
  const ids = new Tensor('int64', BigInt64Array.from(IDS, BigInt), [1, IDS.length]);
  const training = await (await ort().InferenceSession.create(encodeModel(noPast))).run({ input_ids: ids, attention_mask: ones, position_ids: positions });
  assertClose(training.logits.data as Float32Array, full.data, 1e-5, 'no-past graph');
  const viaRenamed = await runFull(await ort().InferenceSession.create(encodeModel(renamed)), config, [IDS]);
  assertClose(viaRenamed.data, full.data, 0, 'unprefixed checkpoint');
});

test('GPT-2 config errors name config.json and the field', () => {
  const checkpoint = SafetensorsCheckpoint.open(dir);
  const hf = readHfConfig(dir);
  assert.throws(() => exportGpt2({ ...hf, json: { ...hf.json, n_head: 5 } }, checkpoint), /config\.json: n_embd 32 is not divisible by n_head 5/);
  assert.throws(() => exportGpt2({ ...hf, json: { ...hf.json, activation_function: 'swish' } }, checkpoint), /config\.json: field 'activation_function' = "swish" is not a supported activation/);
  assert.throws(() => exportGpt2({ ...hf, json: { ...hf.json, n_positions: 64 } }, checkpoint), /model\.safetensors: tensor 'transformer\.wpe\.weight' has shape \[128,32\]/);
  const missing = { has: (n: string) => n !== 'transformer.h.1.ln_2.bias' && checkpoint.has(n), float32: checkpoint.float32.bind(checkpoint), files: checkpoint.files };
  assert.throws(() => exportGpt2(hf, missing), /model\.safetensors: missing tensor 'transformer\.h\.1\.ln_2\.bias'/);
});

test('tiny GPT-2: scale_attn_by_inverse_layer_idx is honoured (independent forward, 1e-4)', async () => {
  const hf = readHfConfig(dir);
  const model = exportGpt2({ ...hf, json: { ...hf.json, scale_attn_by_inverse_layer_idx: true } }, SafetensorsCheckpoint.open(dir));
  const logits = await runFull(await ort().InferenceSession.create(encodeModel(model)), config, [IDS]);
  const reference = referenceGpt2(IDS, true);
  for (let t = 0; t < IDS.length; t++) assertClose(row(logits, 0, t), reference[t], 1e-4, `position ${t}`);
  const plain = await runFull(session, config, [IDS]);
  assert.ok(Math.abs(row(plain, 0, 7)[0] - row(logits, 0, 7)[0]) > 1e-4, 'the flag changes the result');
});
