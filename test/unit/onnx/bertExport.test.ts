// The BERT (masked LM) exporter on the tiny random BERT: an independent float64 forward pass
// written here from the BERT definition, [MASK] scoring through the real tokenizer, and padding.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { SafetensorsCheckpoint } from '../../../src/engine/onnx/safetensors';
import { ort, type OrtSession } from '../../../src/engine/runtime/ort';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { tinyModelDir } from '../helpers/fixtures';
import { assertClose, int64, type Logits, readConfig, row } from './tinyDecoding';

let dir: string;
let config: Record<string, number>;
let session: OrtSession;

before(async () => {
  dir = tinyModelDir('bert');
  config = readConfig(dir);
  session = await ort().InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
});

async function run(ids: number[][], mask?: number[][], types?: number[][]): Promise<Logits> {
  const zeros = ids.map((r) => r.map(() => 0));
  const out = await session.run({ input_ids: int64(ids), attention_mask: int64(mask ?? ids.map((r) => r.map(() => 1))), token_type_ids: int64(types ?? zeros) });
  return { data: out.logits.data as Float32Array, dims: out.logits.dims };
}

/** Plain BERT-for-masked-LM forward (float64, no padding): logits [seq][vocab]. */
function referenceBert(ids: number[], types: number[]): number[][] {
  const w = SafetensorsCheckpoint.open(dir);
  const get = (name: string) => Float64Array.from(w.float32(name));
  const d = config.hidden_size;
  const heads = config.num_attention_heads;
  const hd = d / heads;
  const eps = config.layer_norm_eps;
  // torch Linear: W stored [out, in].
  const dense = (x: number[], p: string) => {
    const W = get(`${p}.weight`);
    const bias = get(`${p}.bias`);
    return Array.from(bias, (b0, o) => x.reduce((s, xi, i) => s + xi * W[o * x.length + i], b0));
  };
  const norm = (x: number[], p: string) => {
    const g = get(`${p}.weight`);
    const b = get(`${p}.bias`);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
  };
  const erf = (x: number) => {
    // JS has no erf: Numerical Recipes' Chebyshev fit of erfc (fractional error < 1.2e-7).
    const t = 1 / (1 + 0.5 * Math.abs(x));
    const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? y : -y;
  };
  const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const word = get('bert.embeddings.word_embeddings.weight');
  const pos = get('bert.embeddings.position_embeddings.weight');
  const type = get('bert.embeddings.token_type_embeddings.weight');
  let xs = ids.map((id, t) => norm(Array.from({ length: d }, (_, j) => word[id * d + j] + pos[t * d + j] + type[types[t] * d + j]), 'bert.embeddings.LayerNorm'));
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `bert.encoder.layer.${l}.`;
    const q = xs.map((x) => dense(x, `${p}attention.self.query`));
    const k = xs.map((x) => dense(x, `${p}attention.self.key`));
    const v = xs.map((x) => dense(x, `${p}attention.self.value`));
    xs = xs.map((x, t) => {
      const context = new Array<number>(d).fill(0);
      for (let h = 0; h < heads; h++) {
        const scores = k.map((ks) => {
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += q[t][h * hd + j] * ks[h * hd + j];
          return dot / Math.sqrt(hd);
        });
        const top = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - top));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s < ids.length; s++) for (let j = 0; j < hd; j++) context[h * hd + j] += (e[s] / z) * v[s][h * hd + j];
      }
      const attn = dense(context, `${p}attention.output.dense`);
      const mid = norm(x.map((xi, j) => xi + attn[j]), `${p}attention.output.LayerNorm`);
      const out = dense(dense(mid, `${p}intermediate.dense`).map(gelu), `${p}output.dense`);
      return norm(mid.map((m, j) => m + out[j]), `${p}output.LayerNorm`);
    });
  }
  const bias = get('cls.predictions.bias');
  return xs.map((x) => {
    const h = norm(dense(x, 'cls.predictions.transform.dense').map(gelu), 'cls.predictions.transform.LayerNorm');
    return Array.from(bias, (b0, tok) => h.reduce((s, hj, j) => s + hj * word[tok * d + j], b0));
  });
}

test('tiny BERT: ORT logits equal an independent float64 forward pass (1e-4)', async () => {
  const ids = [2, 120, 45, 4, 130, 17, 3];
  const types = [0, 0, 0, 0, 1, 1, 1];
  const reference = referenceBert(ids, types);
  const logits = await run([ids], undefined, [types]);
  assert.deepEqual(logits.dims, [1, ids.length, config.vocab_size]);
  assert.ok(Math.max(...reference[3].map(Math.abs)) > 0.5, 'reference logits are not degenerate');
  for (let t = 0; t < ids.length; t++) assertClose(row(logits, 0, t), reference[t], 1e-4, `position ${t}`);
});

test('tiny BERT: [MASK] scores from tokenized text are finite; padding does not change real positions', async () => {
  const tokenizer = loadTokenizer(dir);
  assert.equal(tokenizer.maskId, 4);
  const a = tokenizer.encode('the cat was [MASK] .');
  const b = tokenizer.encode('she liked to play in the [MASK] with her dog .');
  const maskAt = a.indexOf(4);
  assert.ok(maskAt > 0, `[MASK] in ${JSON.stringify(a)}`);
  const width = Math.max(a.length, b.length);
  const pad = (r: number[]) => [...r, ...new Array(width - r.length).fill(0)];
  const batch = await run([pad(a), pad(b)], [a, b].map((r) => pad(r.map(() => 1))));
  assert.deepEqual(batch.dims, [2, width, config.vocab_size]);
  const maskScores = row(batch, 0, maskAt);
  assert.ok(maskScores.every(Number.isFinite), '[MASK] scores finite');
  assert.ok(batch.data.every(Number.isFinite), 'padding positions finite too');
  const alone = await run([a]);
  for (let t = 0; t < a.length; t++) assertClose(row(batch, 0, t), row(alone, 0, t), 1e-4, `padded row position ${t}`);
});
