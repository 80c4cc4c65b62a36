// Near-duplicates, Wilson intervals, grouped splits and data warnings on tinysent's real files:
// its dev shares all 20 events with train (only names differ), its test has none of them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDataset } from '../../../src/datasets/datasetFile';
import { intervalText, smallSetWarning, splitRows, taskWarnings, verbalizerLengthWarning } from '../../../src/datasets/dataWarnings';
import { groupedSplit } from '../../../src/datasets/groupedSplit';
import { nearDuplicateGroups, nearDuplicatePairs, normalizedWords, rowText } from '../../../src/datasets/nearDuplicates';
import { wilsonInterval } from '../../../src/datasets/wilson';
import { tinysentDir } from '../helpers/fixtures';

const dir = tinysentDir();
const skip = dir ? false : '../shared/data/tinysent is absent';
const rowsOf = (name: string) => parseDataset(name, readFileSync(join(dir!, name), 'utf8')).rows;
const textsOf = (name: string) => rowsOf(name).map((r) => rowText(r.fields));

test('near-duplicates: the same sentence up to a name, number or pronoun; different events are not', () => {
  assert.deepEqual(normalizedWords('Sam got a puppy for his birthday.'), normalizedWords('Anna got a puppy for her birthday.'));
  assert.deepEqual(normalizedWords('Tom had 3 apples'), ['<name>', 'had', '<num>', 'apples']);
  const pairs = nearDuplicatePairs(['Ben won the race at school.', 'Ben saw a rainbow in the sky.'], ['Mia won the race at school!', 'A dog ran.']);
  assert.deepEqual(pairs, [{ i: 0, j: 0 }]);
  // Within one list: each pair once, i < j.
  assert.deepEqual(nearDuplicatePairs(['a b c d e', 'x y', 'a b c d e']), [{ i: 0, j: 2 }]);
  assert.deepEqual(nearDuplicateGroups(['a b c d e', 'x y', 'a b c d e', 'x y']), [0, 1, 0, 1]);
  // The label is not part of the compared text.
  assert.equal(rowText({ text: 'Hi there', label: 'positive', n: 3 }), 'Hi there \n 3');
});

test('tinysent: every dev row is a near-copy of a train row, no test row is; train+dev fall into its 20 events', { skip }, () => {
  const train = textsOf('train.jsonl');
  const dev = textsOf('dev.jsonl');
  const test = textsOf('test.jsonl');
  assert.equal(new Set(nearDuplicatePairs(train, dev).map((p) => p.j)).size, 64);
  assert.equal(nearDuplicatePairs([...train, ...dev], test).length, 0);
  assert.equal(Math.max(...nearDuplicateGroups([...train, ...dev])) + 1, 20);
});

test('Wilson interval: textbook values, inside [0, 1] at 0 and n', () => {
  // 8 of 10 correct: 0.490–0.943 (Wilson 1927; e.g. Newcombe 1998, table I).
  const { low, high } = wilsonInterval(8, 10);
  assert.ok(Math.abs(low - 0.4902) < 1e-4 && Math.abs(high - 0.9433) < 1e-4, `${low} ${high}`);
  assert.equal(wilsonInterval(10, 10).high, 1);
  assert.equal(wilsonInterval(0, 10).low, 0);
  assert.equal(intervalText(0.594, 64), '47%–71%');
  // 381 rows at 50% is the first size whose Wilson half-width is ≤ 5 points: no warning from there on.
  assert.ok(smallSetWarning(380, 'dev'));
  assert.equal(smallSetWarning(381, 'dev'), undefined);
});

test('grouped split: near-duplicates never straddle the sides, labels keep their mix, the seed decides', { skip }, () => {
  const rows = [...rowsOf('train.jsonl'), ...rowsOf('dev.jsonl')];
  const texts = rows.map((r) => rowText(r.fields));
  const labels = rows.map((r) => r.label);
  const split = groupedSplit(texts, { fraction: 0.25, seed: 3, labels });
  for (let g = 0; g < split.groupCount; g++) {
    const sides = new Set(split.groups.flatMap((x, i) => (x === g ? [split.heldOut[i]] : [])));
    assert.equal(sides.size, 1, `group ${g} is on one side`);
  }
  const held = rows.filter((_, i) => split.heldOut[i]);
  assert.ok(held.length >= 32 && held.length < 64, `${held.length} rows held out`);
  const positives = held.filter((r) => r.label === 'positive').length;
  assert.ok(positives > 0 && positives < held.length, 'both labels are held out');
  assert.deepEqual(groupedSplit(texts, { fraction: 0.25, seed: 3, labels }).heldOut, split.heldOut);
  assert.notDeepEqual(groupedSplit(texts, { fraction: 0.25, seed: 4, labels }).heldOut, split.heldOut);
  assert.throws(() => groupedSplit(['same', 'same'], { fraction: 0.5, seed: 0 }), /near-duplicates of each other/);
});

test('task warnings on tinysent: dev near-copies, small sets with the measured interval, no test; single label; verbalizer lengths', { skip }, () => {
  const train = splitRows(rowsOf('train.jsonl'));
  const dev = splitRows(rowsOf('dev.jsonl'));
  const noTest = taskWarnings({ train, dev }, { accuracies: { dev: 0.984375 } });
  assert.deepEqual(noTest.map((w) => w.code), ['dev-near-train', 'small-eval-set', 'no-test-split']);
  assert.match(noTest[0]!.message, /^64 of 64 dev rows \(100%\) are near-copies of training rows .*lines 1, 2, 3, 4, 5, …/);
  assert.match(noTest[1]!.message, /the dev accuracy 98% on 64 rows is 92%–100% at 95% \(Wilson interval\)/);
  const test = splitRows(rowsOf('test.jsonl'));
  assert.deepEqual(taskWarnings({ train, dev, test }).map((w) => w.code), ['dev-near-train', 'small-eval-set', 'small-eval-set']);
  const positives = splitRows(rowsOf('train.jsonl').filter((r) => r.label === 'positive'));
  assert.match(taskWarnings({ train: positives }).map((w) => w.message).join(), /every training row has the label 'positive'/);
  const pieces = (v: string) => (v === ' sad' ? ['▁sa', 'd'] : ['▁happy']);
  assert.match(verbalizerLengthWarning({ positive: ' happy', negative: ' sad' }, pieces)!.message, /'positive' \(" happy"\) is 1 token, 'negative' \(" sad"\) is 2 tokens \(▁sa d\)/);
  assert.equal(verbalizerLengthWarning({ a: ' x', b: ' y' }, () => ['p', 'q']), undefined, 'equal lengths are fine');
});
