import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import { callMethod } from '../helpers/engineMethods';
import { STORIES_ABSENT, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';

const data = tinysentDir();

function promptFile(dir: string, template: string, model: string): string {
  const file = join(dir, 'sentiment.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${model}`,
      'input:',
      '  schema: { text: string }',
      'promptsmith.task:',
      `  dev: ${join(data!, 'dev.jsonl')}`,
      '  labels: { positive: " happy", negative: " sad" }',
      '---',
      template,
      '',
    ].join('\n'),
  );
  return file;
}

// tinysent's README gives the dev accuracy of these templates measured by an independent numpy
// implementation of stories260k: reproducing them checks rendering, scoring and the metric.
test('dev accuracy of manual templates matches the independent measurement', { skip: !data && STORIES_ABSENT }, async () => {
  const model = await storiesOnnxDir();
  const dir = mkdtempSync(join(tmpdir(), 'eval-'));
  const cases: [string, number][] = [
    ['{{text}} They were', 0.594],
    ['{{text}} He was very', 0.547],
  ];
  for (const [template, expected] of cases) {
    const result = await evaluatePromptFile({ promptFile: promptFile(dir, template, model), device: 'cpu' });
    assert.equal(result.n, 64);
    assert.ok(Math.abs(result.accuracy - expected) < 0.008, `${template}: accuracy ${result.accuracy} vs ${expected}`);
    assert.equal(result.device, 'cpu');
    assert.equal(result.worst.length, 5);
    assert.ok(result.worst[0]!.probs[result.worst[0]!.gold]! <= result.worst[4]!.probs[result.worst[4]!.gold]!);
    const support = Object.values(result.per_label).reduce((s, l) => s + l.support, 0);
    assert.equal(support, 64);
    assert.ok(result.calibrated.accuracy >= 0 && result.calibrated.accuracy <= 1);
  }
});

test('an evaluation is recorded as a run with its result', { skip: !data && STORIES_ABSENT }, async () => {
  const model = await storiesOnnxDir();
  const dir = mkdtempSync(join(tmpdir(), 'eval-run-'));
  const result = await callMethod('evaluate', { promptFile: promptFile(dir, '{{text}} They were', model), device: 'cpu', workspaceDir: dir });
  assert.ok(result.runDir);
  const runs = readdirSync(join(dir, '.promptsmith', 'runs'));
  assert.equal(runs.length, 1);
  const meta = JSON.parse(readFileSync(join(result.runDir!, 'run.json'), 'utf8'));
  assert.equal(meta.status, 'completed');
  assert.equal(meta.kind, 'eval');
  const saved = JSON.parse(readFileSync(join(result.runDir!, 'result.json'), 'utf8'));
  assert.equal(saved.metrics.dev_acc, result.accuracy);
});

test('a dataset with a bad row names the file and line', { skip: !data && STORIES_ABSENT }, async () => {
  const model = await storiesOnnxDir();
  const dir = mkdtempSync(join(tmpdir(), 'eval-bad-'));
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text":"a","label":"positive"}\n{"text":"b","label":"meh"}\n');
  await assert.rejects(evaluatePromptFile({ promptFile: promptFile(dir, '{{text}} They were', model), data: bad, device: 'cpu' }), /bad\.jsonl:2: label 'meh'/);
});

test('predictions: per split, whether each row was right, in file order; their mean is the split accuracy (0.795 on test)', { skip: !data && STORIES_ABSENT }, async () => {
  const model = await storiesOnnxDir();
  const dir = mkdtempSync(join(tmpdir(), 'eval-pred-'));
  const file = promptFile(dir, '{{text}} They were', model);
  writeFileSync(file, readFileSync(file, 'utf8').replace('  labels:', `  test: ${join(data!, 'test.jsonl')}\n  labels:`));
  const result = await callMethod('evaluate', { promptFile: file, device: 'cpu', predictions: true });
  const test = result.split_correct?.test;
  assert.ok(test && test.length === 200, 'one entry per test row');
  assert.equal(test.filter(Boolean).length / test.length, result.split_accuracy?.test);
  // tinysent/README.md: `{text} They were` scores 0.795 on the held-out test split.
  assert.equal(result.split_accuracy?.test, 0.795);
  assert.equal(result.split_correct?.dev?.length, 64);
  assert.equal(result.split_correct?.train, undefined, 'this task has no train split');
  const plain = await callMethod('evaluate', { promptFile: file, device: 'cpu' });
  assert.equal(plain.split_correct, undefined, 'only when asked');
});
