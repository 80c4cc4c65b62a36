import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeModel } from '../../../src/engine/onnx/codec';
import { ort, type OrtSession, type OrtTensor } from '../../../src/engine/runtime/ort';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, storiesTrainingModel } from '../helpers/fixtures';

interface Reference {
  greedy_from_bos: number[];
  logits_pos0_top10: [number, number][];
  prompt_logprob_case: { ids: number[]; next_token_logprobs_top5: [number, number][] };
}

const hf = storiesHfDir();
const LAYERS = 5;
const KV_HEADS = 4;
const HEAD_DIM = 8;
const VOCAB = 512;
let session: OrtSession;
let reference: Reference;

before(async () => {
  if (!hf) return;
  reference = JSON.parse(readFileSync(join(hf, 'reference.json'), 'utf8'));
  session = await ort().InferenceSession.create(join(await storiesOnnxDir(), 'onnx', 'model.onnx'));
});
after(async () => {
  await session?.release();
});

function int64(values: number[], dims: number[]): OrtTensor {
  return new (ort().Tensor)('int64', BigInt64Array.from(values.map(BigInt)), dims);
}

function emptyPast(batch: number): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  for (let i = 0; i < LAYERS; i++) {
    for (const kind of ['key', 'value']) feeds[`past_key_values.${i}.${kind}`] = new (ort().Tensor)('float32', new Float32Array(0), [batch, KV_HEADS, 0, HEAD_DIM]);
  }
  return feeds;
}

/** Runs one batch-1 sequence from scratch; returns logits [seq, vocab] flattened. */
async function fullLogits(ids: number[]): Promise<Float32Array> {
  const n = ids.length;
  const out = await session.run({
    input_ids: int64(ids, [1, n]),
    attention_mask: int64(Array(n).fill(1), [1, n]),
    position_ids: int64([...Array(n).keys()], [1, n]),
    ...emptyPast(1),
  });
  return out['logits']!.data as Float32Array;
}

function row(logits: Float32Array, position: number): Float32Array {
  return logits.subarray(position * VOCAB, (position + 1) * VOCAB);
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

function logSoftmax(x: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(x, (v) => v - lse);
}

test('logits after [BOS] match reference logits_pos0_top10 within 1e-4', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const logits = row(await fullLogits([1]), 0);
  for (const [id, value] of reference.logits_pos0_top10) assert.ok(Math.abs(logits[id]! - value) < 1e-4, `logit[${id}] = ${logits[id]} vs ${value}`);
  const top = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!).slice(0, 10);
  assert.deepEqual(top, reference.logits_pos0_top10.map(([id]) => id));
});

test('greedy decoding from BOS with the KV cache reproduces greedy_from_bos exactly', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const generated: number[] = [];
  let past = emptyPast(1);
  let next = 1;
  for (let step = 0; step < reference.greedy_from_bos.length; step++) {
    const out = await session.run({
      input_ids: int64([next], [1, 1]),
      attention_mask: int64(Array(step + 1).fill(1), [1, step + 1]),
      position_ids: int64([step], [1, 1]),
      ...past,
    });
    next = argmax(out['logits']!.data as Float32Array);
    generated.push(next);
    past = {};
    for (let i = 0; i < LAYERS; i++) {
      past[`past_key_values.${i}.key`] = out[`present.${i}.key`]!;
      past[`past_key_values.${i}.value`] = out[`present.${i}.value`]!;
    }
  }
  assert.deepEqual(generated, reference.greedy_from_bos);
});

test('prompt_logprob_case: top-5 next-token log-probs within 1e-4', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const { ids, next_token_logprobs_top5: expected } = reference.prompt_logprob_case;
  const logprobs = logSoftmax(row(await fullLogits(ids), ids.length - 1));
  for (const [id, value] of expected) assert.ok(Math.abs(logprobs[id]! - value) < 1e-4, `logprob[${id}] = ${logprobs[id]} vs ${value}`);
  const top = [...logprobs.keys()].sort((a, b) => logprobs[b]! - logprobs[a]!).slice(0, 5);
  assert.deepEqual(top, expected.map(([id]) => id));
});

test('the no-past (training) graph gives the same logits as the KV-cache graph', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const { ids } = reference.prompt_logprob_case;
  const n = ids.length;
  const training = await ort().InferenceSession.create(encodeModel(storiesTrainingModel()));
  try {
    assert.ok(!training.inputNames.some((name) => name.startsWith('past_key_values')));
    assert.deepEqual(training.outputNames, ['logits']);
    const out = await training.run({ input_ids: int64(ids, [1, n]), attention_mask: int64(Array(n).fill(1), [1, n]), position_ids: int64([...Array(n).keys()], [1, n]) });
    const a = out['logits']!.data as Float32Array;
    const b = await fullLogits(ids);
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `logit ${i}: ${a[i]} vs ${b[i]}`);
  } finally {
    await training.release();
  }
});

test('a left-padded batch of 2 gives the same logits as unpadded single runs', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const long = reference.prompt_logprob_case.ids;
  const short = long.slice(0, 5);
  const n = long.length;
  const pad = n - short.length;
  // Left padding: pad id 0, mask 0; positions count real tokens only (transformers.js convention).
  const out = await session.run({
    input_ids: int64([...long, ...Array(pad).fill(0), ...short], [2, n]),
    attention_mask: int64([...Array(n).fill(1), ...Array(pad).fill(0), ...Array(short.length).fill(1)], [2, n]),
    position_ids: int64([...Array(n).keys(), ...Array(pad).fill(1), ...short.keys()], [2, n]),
    ...emptyPast(2),
  });
  const batched = out['logits']!.data as Float32Array;
  const single = [await fullLogits(long), await fullLogits(short)];
  for (let p = 0; p < n; p++) {
    const a = batched.subarray(p * VOCAB, (p + 1) * VOCAB);
    for (let v = 0; v < VOCAB; v++) assert.ok(Math.abs(a[v]! - single[0]![p * VOCAB + v]!) < 1e-4, `row 0 pos ${p}`);
  }
  for (let p = 0; p < short.length; p++) {
    const a = batched.subarray((n + pad + p) * VOCAB, (n + pad + p + 1) * VOCAB);
    for (let v = 0; v < VOCAB; v++) assert.ok(Math.abs(a[v]! - single[1]![p * VOCAB + v]!) < 1e-4, `row 1 pos ${p}: ${a[v]} vs ${single[1]![p * VOCAB + v]}`);
  }
});
