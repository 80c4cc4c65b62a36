// McNemar's exact test against values computed by hand (binomial tails with p = 1/2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mcnemar } from '../../../src/datasets/mcnemar';

const rows = (b: number, c: number, both: number, neither: number) => {
  const first = [...Array(b).fill(true), ...Array(c).fill(false), ...Array(both).fill(true), ...Array(neither).fill(false)];
  const second = [...Array(b).fill(false), ...Array(c).fill(true), ...Array(both).fill(true), ...Array(neither).fill(false)];
  return [first, second] as const;
};

test("McNemar's exact test counts only discordant rows and gives the two-sided binomial p-value", () => {
  // b = 0, c = 6: 2 · (1/2)^6 = 0.03125.
  const six = mcnemar(...rows(0, 6, 40, 10));
  assert.deepEqual([six.b, six.c], [0, 6]);
  assert.ok(Math.abs(six.p - 0.03125) < 1e-12, String(six.p));
  // b = 2, c = 8: 2 · (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 · 56 / 1024.
  assert.ok(Math.abs(mcnemar(...rows(2, 8, 5, 5)).p - 112 / 1024) < 1e-12);
  // Equal discordant counts and identical classifiers: no evidence of a difference.
  assert.equal(mcnemar(...rows(3, 3, 10, 0)).p, 1);
  assert.equal(mcnemar(...rows(0, 0, 10, 10)).p, 1);
  // Concordant rows do not move the p-value.
  assert.equal(mcnemar(...rows(1, 9, 0, 0)).p, mcnemar(...rows(1, 9, 500, 300)).p);
  assert.throws(() => mcnemar([true], [true, false]), /same rows/);
});
