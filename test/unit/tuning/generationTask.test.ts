// Soft prompt tuning of a generation task (promptsmith.task.metric, no labels): the loss is the
// cross-entropy of the reference output, selection is by dev loss, and the result reports the
// reference's mean log-likelihood per token and the task's metric on greedy output, for the tuned
// and the hand-written prompt, instead of accuracies. Real stories260k, real generation.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generate } from '../../../src/engine/runtime/generation';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { loadSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import type { TrainProgress } from '../../../src/engine/tuning/softprompt/trainer';
import { tuneSoftPrompt } from '../../../src/engine/tuning/softprompt/tuneSoftPrompt';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'soft-generation-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a generation task tunes on the reference’s cross-entropy and reports log-likelihood and exact match by split', { skip: storiesHfDir() ? false : STORIES_ABSENT }, async () => {
  const modelDir = await storiesOnnxDir();
  const starts = ['Once upon a time,', 'One day, Tom', 'Lily saw a'];
  // References = the model's own greedy continuations, so the hand-written exact match is known: 1.
  const model = await LanguageModel.load(modelDir, { device: 'cpu' });
  const options = { maxTokens: 6, stop: ['.'], greedy: true };
  const rows = [];
  for (const text of starts) rows.push({ text, output: (await generate(model, text, options)).text });
  writeFileSync(join(tmp, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const file = join(tmp, 'story.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${modelDir}`,
      'config: { maxOutputTokens: 6, stopSequences: ["."] }',
      'promptsmith.task: { train: train.jsonl, dev: train.jsonl, metric: exact }',
      'promptsmith.softPrompt: { tokens: 2, init: SAMPLE_VOCAB, steps: 4, optimizer: adam, lr: 0.05, evalEvery: 2 }',
      '---',
      '{{text}}',
      '',
    ].join('\n'),
  );
  const events: TrainProgress[] = [];
  const out = join(tmp, 'adapter');
  const r = await tuneSoftPrompt({ promptFile: file, out, device: 'cpu', emit: (e) => e.type === 'progress' && events.push(e as TrainProgress) });
  assert.deepEqual(events.map((e) => e.step), [1, 2, 3, 4]);
  assert.ok(events.every((e) => e.train_acc === undefined && e.dev_acc === undefined), 'no accuracies on a generation task');
  assert.deepEqual([r.train_acc, r.dev_acc, r.test_acc, r.manual_dev_acc], [null, null, null, null]);
  const g = r.generation!;
  assert.equal(g.metric, 'exact');
  assert.equal(g.reference, 'output');
  assert.deepEqual(Object.keys(g.tuned).sort(), ['dev', 'train']);
  assert.equal(g.manual.train!.score, 1, 'the hand-written prompt reproduces its own greedy outputs');
  assert.ok(g.tuned.train!.score! >= 0 && g.tuned.train!.score! <= 1);
  for (const s of [g.tuned.train!, g.manual.train!]) assert.ok(s.loglik_per_token < 0 && Number.isFinite(s.loglik_per_token));
  // Selected at an evaluation step (by dev loss: generation has no accuracy to select on).
  assert.ok([2, 4].includes(r.best_step), String(r.best_step));
  assert.equal(loadSoftPrompt(out).numVirtualTokens, 2);
});
