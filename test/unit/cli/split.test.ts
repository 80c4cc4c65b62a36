// `promptsmith split`: a test set held out by near-duplicate group, on copies of tinysent (JSONL)
// and a small CSV task; rows move byte for byte, `test:` lands in the front matter, and a task
// that already has a test split (or none to split) is refused with the file named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nearDuplicatePairs, rowText } from '../../../src/datasets/nearDuplicates';
import { planTestSplit } from '../../../src/datasets/testSplit';
import { parseDataset } from '../../../src/datasets/datasetFile';
import { parsePromptFile, readPromptFile } from '../../../src/promptFile/promptFile';
import { tinysentDir } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';

const tmp = mkdtempSync(join(tmpdir(), 'split-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const cli = (args: string[]) => spawnSync(process.execPath, [cliBundle(), ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');

test('split on tinysent: whole events move to data/test.jsonl, none of its rows is a near-copy of what stays', { skip: tinysentDir() ? false : 'tinysent is absent' }, () => {
  const dir = join(tmp, 'tinysent');
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (const f of ['train.jsonl', 'dev.jsonl']) copyFileSync(join(tinysentDir()!, f), join(dir, 'data', f));
  const file = join(dir, 'task.prompt');
  writeFileSync(file, '---\npromptsmith.task:\n  train: data/train.jsonl\n  dev: data/dev.jsonl\n  labels:\n    positive: " happy"\n    negative: " sad"\n---\n{{text}} They were\n');
  const before = [...lines(join(dir, 'data', 'train.jsonl')), ...lines(join(dir, 'data', 'dev.jsonl'))];
  const dry = cli(['split', file, '--fraction', '0.25', '--seed', '1', '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^\d+ of 128 rows \(\d+ of 20 groups of near-duplicates/);
  assert.equal(readFileSync(file, 'utf8').includes('test:'), false, '--dry-run writes nothing');

  const r = cli(['split', file, '--fraction', '0.25', '--seed', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readPromptFile(file).task!.test, 'data/test.jsonl');
  assert.match(readFileSync(file, 'utf8'), / {2}dev: data\/dev\.jsonl\n {2}test: data\/test\.jsonl\n {2}labels:/);
  const test = lines(join(dir, 'data', 'test.jsonl'));
  const kept = [...lines(join(dir, 'data', 'train.jsonl')), ...lines(join(dir, 'data', 'dev.jsonl'))];
  assert.deepEqual([...kept, ...test].sort(), [...before].sort(), 'every row is kept exactly once');
  assert.ok(test.length >= 32);
  const text = (l: string) => rowText(JSON.parse(l));
  assert.equal(nearDuplicatePairs(kept.map(text), test.map(text)).length, 0, 'no held-out row has a near-copy left in train or dev');
  const again = cli(['split', file]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /task\.prompt: promptsmith\.task already has test: data\/test\.jsonl/);
});

test('split of a CSV task with a flow-map task: the header starts the test file, test: goes into the map', () => {
  const dir = join(tmp, 'csv');
  mkdirSync(dir, { recursive: true });
  const events = ['won the race at school', 'lost the red ball', 'saw a rainbow', 'broke the cup', 'ate a big cake', 'fell in the mud'];
  const names = ['Sam', 'Amy', 'Tom'];
  const body = events.flatMap((e, i) => names.map((n) => `"${n} ${e}.",${i % 2 === 0 ? 'positive' : 'negative'}`));
  writeFileSync(join(dir, 'train.csv'), `text,label\n${body.join('\n')}\n`);
  const file = join(dir, 'task.prompt');
  writeFileSync(file, '---\npromptsmith.task: { train: train.csv, labels: { positive: " yes", negative: " no" } }\n---\n{{text}}\n');
  const r = cli(['split', file, '--fraction', '0.3']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(file, 'utf8'), /labels: \{ positive: " yes", negative: " no" \}, test: test\.csv \}/);
  const test = readFileSync(join(dir, 'test.csv'), 'utf8');
  assert.ok(test.startsWith('text,label\n'));
  const held = parseDataset('test.csv', test).rows;
  assert.equal(held.length % 3, 0, 'whole events (three names each) move');
  assert.equal(parseDataset('train.csv', readFileSync(join(dir, 'train.csv'), 'utf8')).rows.length + held.length, 18);
});

test('split refuses what it cannot do, naming the file', () => {
  const file = join(tmp, 'none.prompt');
  writeFileSync(file, '---\nmodel: x\n---\nhi\n');
  assert.throws(() => planTestSplit(parsePromptFile(readFileSync(file, 'utf8')), file), /none\.prompt: no promptsmith\.task to split/);
  const bad = cli(['split', file, '--fraction', '2']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--fraction must be between 0 and 1/);
});
