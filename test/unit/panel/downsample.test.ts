import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleMinMax } from '../../../webview/downsample';

/** A deterministic noisy curve with rare spikes, like a reward curve. */
function makeRun(n: number) {
  const x: number[] = [];
  const loss: (number | null)[] = [];
  const acc: (number | null)[] = [];
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < n; i++) {
    x.push(i + 1);
    loss.push(Math.exp(-i / 5000) + 0.05 * rand() + (i % 4999 === 17 ? 3 : 0));
    acc.push(i % 50 === 0 ? Math.min(1, i / n + 0.1 * rand()) : null);
  }
  return { x, ys: [loss, acc, x.map(() => null)] };
}

test('20,000 points come down to at most 2,000 and every bucket keeps its extremes', () => {
  const run = makeRun(20_000);
  const out = downsampleMinMax(run, 2_000);
  assert.ok(out.x.length <= 2_000, `${out.x.length} points`);
  assert.ok(out.x.length >= 1_000, `${out.x.length} points: too few for the budget`);
  for (let i = 1; i < out.x.length; i++) assert.ok(out.x[i]! > out.x[i - 1]!, 'x strictly increasing');
  assert.equal(out.x[0], 1);
  assert.equal(out.x.at(-1), 20_000);
  // Points are original (x, y) pairs, not averages.
  for (let i = 0; i < out.x.length; i++) assert.equal(out.ys[0]![i], run.ys[0]![out.x[i]! - 1]);
  // Global extremes and all spikes survive.
  const lossValues = run.ys[0]!.filter((v): v is number => v !== null);
  const kept = out.ys[0]!.filter((v): v is number => v !== null);
  assert.equal(Math.max(...kept), Math.max(...lossValues));
  assert.equal(Math.min(...kept), Math.min(...lossValues));
  for (let i = 0; i < 20_000; i++) if (i % 4999 === 17) assert.ok(out.x.includes(i + 1), `spike at step ${i + 1} kept`);
  // The sparse series keeps its own extremes too.
  const accKept = out.ys[1]!.filter((v): v is number => v !== null);
  const accAll = run.ys[1]!.filter((v): v is number => v !== null);
  assert.equal(Math.max(...accKept), Math.max(...accAll));
  assert.ok(out.ys[2]!.every((v) => v === null));
});

test('short input is returned unchanged (as a copy); mismatched columns are refused', () => {
  const x = [1, 2, 3];
  const y = [0.5, null, 0.25];
  const out = downsampleMinMax({ x, ys: [y] }, 10);
  assert.deepEqual(out, { x: [1, 2, 3], ys: [[0.5, null, 0.25]] });
  assert.notEqual(out.x, x);
  assert.throws(() => downsampleMinMax({ x, ys: [[1]] }, 10), /1 values for 3 x values/);
});

test('a tiny budget still yields a valid line', () => {
  const run = makeRun(1000);
  const out = downsampleMinMax(run, 3);
  assert.ok(out.x.length >= 2 && out.x.length <= 6, String(out.x.length));
});
