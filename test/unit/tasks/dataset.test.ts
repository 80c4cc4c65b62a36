import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { DatasetError, loadDataset, parseDataset } from '../../../src/engine/tasks/dataset';
import { resolveTaskSpec, TaskSpecError } from '../../../src/engine/tasks/taskSpec';

const tinysent = resolve(__dirname, '../../../../shared/data/tinysent');

test('loads the real tinysent JSONL with labels', { skip: !existsSync(tinysent) && 'shared/ absent' }, async () => {
  const ds = await loadDataset(join(tinysent, 'train.jsonl'), { labels: ['positive', 'negative'], requiredFields: ['text'] });
  assert.equal(ds.rows.length, 64);
  assert.equal(ds.rows.filter((r) => r.label === 'positive').length, 32);
  assert.equal(ds.rows[0]!.line, 1);
});

test('bad JSONL rows are all reported with file and line', () => {
  const text = '{"text":"a","label":"pos"}\n\n{"text": oops}\n[1,2]\n{"label":"pos"}\n{"text":"b","label":"maybe"}\n{"text":"c","label":7}\n';
  const err = (() => {
    try {
      parseDataset('d.jsonl', text, { labels: ['pos', 'neg'], requiredFields: ['text'] });
    } catch (e) {
      return e as DatasetError;
    }
    assert.fail('expected a DatasetError');
  })();
  assert.ok(err instanceof DatasetError);
  assert.deepEqual(
    err.problems.map((p) => p.line),
    [3, 4, 5, 6, 7],
  );
  assert.match(err.message, /^d\.jsonl:3: invalid JSON/);
  assert.match(err.message, /d\.jsonl:6: label 'maybe' is not one of 'pos', 'neg'/);
});

test('CSV with quotes, embedded newlines and bad column counts', () => {
  const ok = parseDataset('d.csv', 'text,label\n"Hi, there",pos\n"two\nlines ""q""",neg\n', { labels: ['pos', 'neg'] });
  assert.deepEqual(
    ok.rows.map((r) => [r.line, r.fields.text, r.label]),
    [
      [2, 'Hi, there', 'pos'],
      [3, 'two\nlines "q"', 'neg'],
    ],
  );
  assert.throws(() => parseDataset('d.csv', 'text,label\na,pos\nb\n'), /d\.csv:3: expected 2 columns, found 1/);
  assert.throws(() => parseDataset('d.csv', 'text,label\n"open,pos\n'), /d\.csv:2: unterminated quoted field/);
});

test('missing file and empty dataset are clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-'));
  await assert.rejects(loadDataset(join(dir, 'nope.jsonl')), /nope\.jsonl:0: dataset file not found/);
  writeFileSync(join(dir, 'empty.jsonl'), '\n\n');
  await assert.rejects(loadDataset(join(dir, 'empty.jsonl')), /dataset has no rows/);
});

test('task spec resolves paths against the prompt file and checks labels', () => {
  const spec = resolveTaskSpec({ train: 'data/t.jsonl', dev: '/abs/d.jsonl', labels: { a: ' x', b: ' y' } }, '/w/p/s.prompt');
  assert.equal(spec.train, '/w/p/data/t.jsonl');
  assert.equal(spec.dev, '/abs/d.jsonl');
  assert.throws(() => resolveTaskSpec({ labels: { a: ' x' } }, '/w/s.prompt'), TaskSpecError);
  assert.throws(() => resolveTaskSpec({ labels: { a: ' x', b: '' } }, '/w/s.prompt'), /labels\.b needs a verbalizer/);
  assert.throws(() => resolveTaskSpec(undefined, '/w/s.prompt'), /promptsmith\.task is missing/);
});
