// Llama exporter paths stories260k does not take by itself: an untied lm_head, projection biases,
// and RoPE scaling. Each is checked against an exact relation to the plain stories260k model.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeModel } from '../../../src/engine/onnx/codec';
import { buildOnnxModel } from '../../../src/engine/onnx/export/exportModel';
import { readSafetensors, type TensorToWrite, writeSafetensors } from '../../../src/engine/onnx/safetensors';
import { ort } from '../../../src/engine/runtime/ort';
import { STORIES_ABSENT, storiesHfDir } from '../helpers/fixtures';

const hf = storiesHfDir();
const work = mkdtempSync(join(tmpdir(), 'ps-llama-variants-'));
after(() => rmSync(work, { recursive: true, force: true }));
const IDS = [1, 317, 298, 309, 261, 404, 424, 267];

/** A copy of stories260k with extra tensors and config fields. */
function variant(name: string, extra: (tensors: Map<string, Float32Array>) => TensorToWrite[], config: Record<string, unknown> = {}): string {
  const dir = join(work, name);
  variantWith(
    dir,
    (w) => {
      const plain = new Map([...w].map(([k, t]) => [k, t.data]));
      for (const t of extra(plain)) w.set(t.name, { shape: t.shape, data: t.data as Float32Array });
    },
    config,
  );
  return dir;
}

async function logits(dir: string, positions = IDS.map((_, i) => i)): Promise<Float32Array> {
  const { InferenceSession, Tensor } = ort();
  const session = await InferenceSession.create(encodeModel(buildOnnxModel(dir, { withPast: false })));
  try {
    const n = IDS.length;
    const i64 = (v: number[]) => new Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, n]);
    const out = await session.run({ input_ids: i64(IDS), attention_mask: i64(Array(n).fill(1)), position_ids: i64(positions) });
    return out['logits']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function assertClose(a: Float32Array, b: Float32Array, scaleB = 1, tolerance = 1e-4): void {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - scaleB * b[i]!));
  assert.ok(worst < tolerance, `max difference ${worst}`);
}

test('an untied lm_head.weight is used (2 × the table gives 2 × the logits)', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const dir = variant('untied', (w) => [{ name: 'lm_head.weight', dtype: 'F32', shape: [512, 64], data: w.get('model.embed_tokens.weight')!.map((v) => 2 * v) }], { tie_word_embeddings: false });
  assertClose(await logits(dir), await logits(hf), 2);
});

test('q/k/v/o projection biases are added when the checkpoint has them', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const biases = (value: number) => (): TensorToWrite[] =>
    Array.from({ length: 5 }, (_, i) =>
      (['q', 'k', 'v', 'o'] as const).map((p) => ({ name: `model.layers.${i}.self_attn.${p}_proj.bias`, dtype: 'F32' as const, shape: [p === 'k' || p === 'v' ? 32 : 64], data: new Float32Array(p === 'k' || p === 'v' ? 32 : 64).fill(value) })),
    ).flat();
  const plain = await logits(hf);
  assertClose(await logits(variant('zero-bias', biases(0))), plain);
  // A non-zero bias must change the output (so the bias really is in the graph).
  const shifted = await logits(variant('bias', biases(0.5)));
  assert.ok(shifted.some((v, i) => Math.abs(v - plain[i]!) > 1e-2));
});

test('rope_scaling linear with factor 2 at positions 2p equals the plain model at p', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const dir = variant('rope-linear', () => [], { rope_scaling: { rope_type: 'linear', factor: 2 } });
  assertClose(await logits(dir, IDS.map((_, i) => 2 * i)), await logits(hf));
  const bad = variant('rope-bad', () => [], { rope_scaling: { rope_type: 'yarn', factor: 2 } });
  assert.throws(() => buildOnnxModel(bad), { message: /rope-bad\/config\.json: rope_scaling type "yarn" is not supported/ });
});

test('plain multi-head attention (num_key_value_heads = heads) equals GQA with the kv heads repeated', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  // HF repeat_kv: query head h reads kv head ⌊h / 2⌋ here (8 heads, 4 kv heads, head_dim 8).
  const repeatHeads = (w: Float32Array) => {
    const out = new Float32Array(64 * 64);
    for (let h = 0; h < 8; h++) out.set(w.subarray(Math.floor(h / 2) * 8 * 64, (Math.floor(h / 2) + 1) * 8 * 64), h * 8 * 64);
    return out;
  };
  const dir = join(work, 'mha');
  variantWith(dir, (w) => {
    for (let i = 0; i < 5; i++) {
      for (const p of ['k', 'v']) {
        const name = `model.layers.${i}.self_attn.${p}_proj.weight`;
        w.set(name, { shape: [64, 64], data: repeatHeads(w.get(name)!.data) });
      }
    }
  }, { num_key_value_heads: 8 });
  assertClose(await logits(dir), await logits(hf));
});

/** A copy of stories260k whose tensors `edit` may replace. */
function variantWith(dir: string, edit: (w: Map<string, { shape: number[]; data: Float32Array }>) => void, config: Record<string, unknown>): void {
  mkdirSync(dir);
  for (const f of readdirSync(hf!)) if (f !== 'model.safetensors' && f !== 'config.json') copyFileSync(join(hf!, f), join(dir, f));
  const file = readSafetensors(join(hf!, 'model.safetensors'));
  const tensors = new Map([...file.entries.values()].map((e) => [e.name, { shape: e.shape, data: file.float32(e.name) }]));
  edit(tensors);
  writeSafetensors(join(dir, 'model.safetensors'), [...tensors].map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, data: t.data })));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(hf!, 'config.json'), 'utf8')), ...config }));
}
