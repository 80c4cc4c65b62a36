import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argmax } from '../../../src/engine/runtime/logits';
import { pickToken, seededRandom, topKIndices } from '../../../src/engine/runtime/sampling';

function randomLogits(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (rand() - 0.5) * 20);
}

test('topKIndices equals a full sort cut to k', () => {
  const logits = randomLogits(5000, 1);
  const sorted = Array.from({ length: 5000 }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]!);
  for (const k of [1, 5, 40, 256]) assert.deepEqual(topKIndices(logits, 0, 5000, k), sorted.slice(0, k));
  // With an offset (a row in the middle of a flat batch).
  const two = new Float32Array(10000);
  two.set(logits, 5000);
  assert.deepEqual(topKIndices(two, 5000, 5000, 10), sorted.slice(0, 10));
});

test('seeded sampling repeats; greedy, top-k 1 and tiny top-p pick the argmax', () => {
  const logits = randomLogits(300, 2);
  const draw = (seed: number) => {
    const rand = seededRandom(seed);
    return Array.from({ length: 50 }, () => pickToken(logits, 0, 300, { temperature: 1, topK: 50, topP: 0.9 }, rand));
  };
  assert.deepEqual(draw(11), draw(11));
  assert.notDeepEqual(draw(11), draw(12));
  const best = argmax(logits, 0, 300);
  const rand = seededRandom(3);
  assert.equal(pickToken(logits, 0, 300, { greedy: true }, rand), best);
  assert.equal(pickToken(logits, 0, 300, { temperature: 0 }, rand), best);
  assert.equal(pickToken(logits, 0, 300, { topK: 1 }, rand), best);
  assert.equal(pickToken(logits, 0, 300, { topP: 1e-9 }, rand), best);
});

test('sampled frequencies follow softmax(logits / temperature) within the top-k', () => {
  const logits = Float32Array.from([2, 1, 0, -1, 5]);
  const rand = seededRandom(5);
  const counts = new Array(5).fill(0);
  const n = 20000;
  for (let i = 0; i < n; i++) counts[pickToken(logits, 0, 5, { temperature: 2, topK: 3 }, rand)]++;
  // top-3 = ids 4, 0, 1; probabilities ∝ exp(l / 2).
  const w = [Math.exp(2.5), Math.exp(1), Math.exp(0.5)];
  const total = w[0]! + w[1]! + w[2]!;
  assert.equal(counts[2] + counts[3], 0);
  assert.ok(Math.abs(counts[4] / n - w[0]! / total) < 0.02);
  assert.ok(Math.abs(counts[0] / n - w[1]! / total) < 0.02);
  assert.ok(Math.abs(counts[1] / n - w[2]! / total) < 0.02);
});
