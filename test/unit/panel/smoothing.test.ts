// The runs panel's smoothing of loss and reward curves: TensorBoard's debiased moving average.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smoothSeries } from '../../../webview/smoothing';

test('off leaves the values as they are; a constant stays constant from the first point (debiased)', () => {
  const raw = [3, null, 5];
  assert.equal(smoothSeries(raw, 0), raw);
  for (const v of smoothSeries([2, 2, 2, 2], 0.9)) assert.ok(Math.abs(v! - 2) < 1e-12, String(v));
});

test('a step is followed gradually, more slowly with a larger weight; gaps stay gaps and do not count', () => {
  const steps = [0, 0, 10, 10, 10];
  const light = smoothSeries(steps, 0.6) as number[];
  const heavy = smoothSeries(steps, 0.9) as number[];
  assert.equal(light[1], 0);
  // Weighted average of 0, 0, 10 with weights 0.36, 0.6, 1 (normalised): 10 / 1.96.
  assert.ok(Math.abs(light[2]! - 10 / 1.96) < 1e-12, String(light[2]));
  assert.ok(heavy[2]! < light[2]! && light[4]! < 10 && heavy[4]! < light[4]!);
  assert.deepEqual(smoothSeries([null, 4, null, 4], 0.5), [null, 4, null, 4]);
});
