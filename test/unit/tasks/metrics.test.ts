import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrate, contentFreePrior } from '../../../src/engine/tasks/calibration';
import { argmaxLabel, classificationMetrics } from '../../../src/engine/tasks/metrics';

test('accuracy, per-label precision/recall and confusion', () => {
  const m = classificationMetrics(['a', 'a', 'b', 'b', 'b'], ['a', 'b', 'b', 'b', 'a'], ['a', 'b']);
  assert.equal(m.accuracy, 3 / 5);
  assert.deepEqual(m.confusion, { a: { a: 1, b: 1 }, b: { a: 1, b: 2 } });
  assert.deepEqual(m.per_label.a, { precision: 1 / 2, recall: 1 / 2, support: 2 });
  assert.deepEqual(m.per_label.b, { precision: 2 / 3, recall: 2 / 3, support: 3 });
});

test('argmax follows label order on ties', () => {
  assert.equal(argmaxLabel({ a: 0.5, b: 0.5 }, ['a', 'b']), 'a');
  assert.equal(argmaxLabel({ a: 0.2, b: 0.8 }, ['a', 'b']), 'b');
});

test('contextual calibration removes a constant lean', () => {
  // A model that always puts 3x more mass on 'a' than the evidence says.
  const prior = contentFreePrior([{ a: 0.75, b: 0.25 }, { a: 0.7, b: 0.3 }], ['a', 'b']);
  assert.ok(Math.abs(prior.a! - 0.725) < 1e-12);
  const p = calibrate({ a: 0.6, b: 0.4 }, prior, ['a', 'b']);
  assert.ok(p.b! > p.a!, 'after dividing out the lean, b wins');
  assert.ok(Math.abs(p.a! + p.b! - 1) < 1e-12);
});
