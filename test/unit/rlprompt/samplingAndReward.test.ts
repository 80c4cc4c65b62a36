// The pieces of one RLPrompt step that need no model: top-k inverse-CDF sampling from one
// uniform, the gap reward, its z-score and shaping (with the default preset's floor), the
// gradient clip and the Polyak update, and the generation metrics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containsMatch, exactMatch, regexMatch } from '../../../src/engine/tasks/generationMetrics';
import { Rng } from '../../../src/engine/tuning/optim/rng';
import { clipGradNorm, initMlp, MlpParams, polyakUpdate } from '../../../src/engine/tuning/rlprompt/mlpParams';
import { classificationReward, shapeRewards } from '../../../src/engine/tuning/rlprompt/reward';
import { kthLargest, sampleTopK, StoredUniforms } from '../../../src/engine/tuning/rlprompt/sampler';
import { sqlTargets } from '../../../src/engine/tuning/rlprompt/softQLearning';

test('kthLargest agrees with sorting, duplicates included', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + rng.int(60);
    const row = Float32Array.from({ length: n }, () => Math.round(rng.normal() * 3) + 0);
    const sorted = [...row].sort((a, b) => b - a);
    const k = 1 + rng.int(n);
    assert.ok(kthLargest(row, 0, n, k) === sorted[k - 1], `k=${k} of [${row.join(', ')}]`);
  }
});

test('top-k sampling keeps the k largest (ties with the k-th too) and inverts the CDF in id order', () => {
  const logits = Float32Array.from([0, Math.log(2), -5, Math.log(2), Math.log(5)]);
  // k = 3 keeps ids 1, 3, 4 with probabilities 2/9, 2/9, 5/9.
  assert.equal(sampleTopK(logits, 0, 5, 3, 0.0), 1);
  assert.equal(sampleTopK(logits, 0, 5, 3, 0.2), 1);
  assert.equal(sampleTopK(logits, 0, 5, 3, 0.3), 3);
  assert.equal(sampleTopK(logits, 0, 5, 3, 0.5), 4);
  assert.equal(sampleTopK(logits, 0, 5, 3, 0.999999999), 4);
  // k = 2: ids 1 and 3 tie for second place, so both stay.
  assert.equal(sampleTopK(logits, 0, 5, 2, 0.25), 3);
  // A row inside a larger array.
  const two = Float32Array.from([9, 9, 9, 0, 0, 5]);
  assert.equal(sampleTopK(two, 3, 3, 1, 0.7), 2);
  const stored = new StoredUniforms([0.1]);
  assert.equal(stored.uniform(), 0.1);
  assert.throws(() => stored.uniform(), /all 1 used/);
});

test('gap reward: λ2 for right, λ1 for wrong; one-label prompts are flagged', () => {
  // Two examples, labels 0 and 1; the prompt puts class 0 first on both.
  const scores = [
    [Math.log(0.8), Math.log(0.2)],
    [Math.log(0.7), Math.log(0.3)],
  ];
  const r = classificationReward(scores, [0, 1], { lambda1: 180, lambda2: 200 });
  assert.ok(Math.abs(r.reward - (200 * 0.6 - 180 * 0.4) / 2) < 1e-12);
  assert.equal(r.accuracy, 0.5);
  assert.equal(r.balancedAccuracy, 0.5);
  assert.equal(r.labelsPredicted, 1);
  assert.equal(classificationReward([scores[0]!, [0, 1]], [0, 1], { lambda1: 180, lambda2: 200 }).labelsPredicted, 2);
});

test('z-score over the step uses the population std + eps; a floor keeps near-equal rewards from being blown up', () => {
  const plain = shapeRewards([1, 2, 3], { eps: 1e-4, stdFloor: 0, scale: 5 });
  const std = Math.sqrt(2 / 3);
  assert.ok(Math.abs(plain.shaped[0]! - (5 * -1) / (std + 1e-4)) < 1e-12);
  const floored = shapeRewards([10, 10.01, 10.02], { eps: 1e-4, stdFloor: 5, scale: 5 });
  assert.ok(Math.abs(floored.shaped[2]! - (5 * 0.01) / (5 + 1e-4)) < 1e-12);
});

test('SQL targets: single-step V′[t+1] − V′[t] (last: r − V′), multi-step r − V′[t]', () => {
  const t = sqlTargets(Float64Array.from([1, 2, 4, 10, 20, 30]), [7, -1], 3);
  assert.deepEqual(Array.from(t.stepTargets), [1, 2, 3, 10, 10, -31]);
  assert.deepEqual(Array.from(t.sequenceTargets), [6, 5, 3, -11, -21, -31]);
});

test('clipping scales the whole gradient to the max norm (torch clip_grad_norm_); Polyak moves the target', () => {
  const g = Float64Array.from([3, 4]);
  const { norm, coef } = clipGradNorm(g, 1);
  assert.equal(norm, 5);
  assert.ok(Math.abs(coef - 1 / (5 + 1e-6)) < 1e-15);
  assert.ok(Math.abs(Math.hypot(g[0]!, g[1]!) - 1) < 1e-6);
  assert.equal(clipGradNorm(Float64Array.from([0.3, 0.4]), 1).coef, 1);
  const p = initMlp(2, 3, new Rng(1), { gain: 1e-4, biasValue: -1e-4 });
  const bound = 1e-4 * Math.sqrt(6 / 5);
  for (const w of p.views['mlp.0.weight']) assert.ok(Math.abs(w) <= bound);
  assert.ok(p.views['mlp.2.bias'].every((b) => Math.abs(b + 1e-4) < 1e-9));
  const target = new MlpParams(2, 3);
  polyakUpdate(target, p, 0.5);
  assert.ok(Math.abs(target.flat[0]! - p.flat[0]! / 2) < 1e-12);
});

test('generation metrics: exact (trimmed), contains, regex; a bad pattern is named', () => {
  assert.equal(exactMatch(' Lily \n', 'Lily'), 1);
  assert.equal(exactMatch('Lily.', 'Lily'), 0);
  assert.equal(containsMatch('Her name was Lily.', ' Lily'), 1);
  assert.equal(regexMatch('age: 42', '\\d+'), 1);
  assert.equal(regexMatch('age: none', '^\\d+$'), 0);
  assert.throws(() => regexMatch('x', '('), /metric regex: the reference "\(" is not a valid regular expression/);
});
