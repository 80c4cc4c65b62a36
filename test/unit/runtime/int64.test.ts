// toInt64Array writes 32-bit values as two int32 halves and the rest as BigInts: every value
// must read back as BigInt(value) would give it, at any offset, and non-integers are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toInt64Array } from '../../../src/engine/runtime/ort';

test('int64 from numbers: the same bits as BigInt(value), for small, negative and large values', () => {
  const values = [0, 1, -1, 5, -7, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 3, -(2 ** 40), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  assert.deepEqual([...toInt64Array(values)], values.map((v) => BigInt(v)));
  // Written into a larger array at an offset: the rest is untouched.
  const out = BigInt64Array.from([9n, 9n, 9n, 9n, 9n]);
  toInt64Array([-3, 2 ** 33], out, 2);
  assert.deepEqual([...out], [9n, 9n, -3n, 2n ** 33n, 9n]);
  assert.throws(() => toInt64Array([1.5]), RangeError);
  assert.throws(() => toInt64Array([Number.NaN]), RangeError);
});
