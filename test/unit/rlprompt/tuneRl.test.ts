// tuneRl / randomSearch end to end on the real stories260k model and tinysent rows: what they
// report is what `eval` measures on the file with the prompt applied, a cancelled run resumed
// from its checkpoint ends exactly where an uninterrupted run ends, and settings are checked.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import { readRlCheckpoint } from '../../../src/engine/tuning/rlprompt/checkpoint';
import { loadRlTask } from '../../../src/engine/tuning/rlprompt/rlTask';
import { mergeRlSettings, RL_PRESET_SETTINGS, RlSettingsError } from '../../../src/engine/tuning/rlprompt/settings';
import { applyPromptText, resolveSlot } from '../../../src/engine/tuning/rlprompt/slot';
import { randomSearch, type TuneRlEvent, type TuneRlRequest, tuneRl } from '../../../src/engine/tuning/rlprompt/tuneRl';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { parsePromptFile } from '../../../src/promptFile/promptFile';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinyModelDir, tinysentDir } from '../helpers/fixtures';

const skip = storiesHfDir() && tinysentDir() ? false : STORIES_ABSENT;
let dir: string;
let promptFile: string;
let slot: { start: number; end: number };
const SMALL = { steps: 6, samplesPerStep: 4, examplesPerStep: 8, evalEvery: 2, evalCandidates: 2, keepBest: 3, seed: 3 };

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'rlprompt-'));
  const lines = (split: string) => readFileSync(join(tinysentDir()!, `${split}.jsonl`), 'utf8').trim().split('\n');
  // Small splits keep the test quick; both labels in each.
  writeFileSync(join(dir, 'train.jsonl'), `${lines('train').slice(0, 16).join('\n')}\n`);
  writeFileSync(join(dir, 'dev.jsonl'), `${lines('dev').slice(0, 12).join('\n')}\n`);
  writeFileSync(join(dir, 'test.jsonl'), `${[...lines('test').slice(0, 6), ...lines('test').slice(-6)].join('\n')}\n`);
  const source = [
    '---',
    `model: ${await storiesOnnxDir()}`,
    'input:',
    '  schema:',
    '    text: string',
    'promptsmith.task:',
    '  train: train.jsonl',
    '  dev: dev.jsonl',
    '  test: test.jsonl',
    '  labels: { positive: " happy", negative: " sad" }',
    '---',
    '{{text}} They were',
    '',
  ].join('\n');
  promptFile = join(dir, 'sentiment.prompt');
  writeFileSync(promptFile, source);
  const start = source.indexOf(' They were');
  slot = { start, end: start + ' They were'.length };
});

const request = (extra: Partial<TuneRlRequest> = {}): TuneRlRequest => ({ promptFile, slot, device: 'cpu', overrides: SMALL, ...extra });

test('the rendered examples split at the slot; the space before a marker moves into the prompt', { skip }, async () => {
  const tokenizer = loadTokenizer(storiesHfDir()!);
  const task = await loadRlTask(promptFile, tokenizer, slot);
  assert.deepEqual(task.splits.train!.examples[0], { before: 'Ben got wet and cold in the storm.', after: '', label: 1 });
  assert.equal(task.splits.test!.examples.length, 12);
  const marked = join(dir, 'marked.prompt');
  writeFileSync(marked, readFileSync(promptFile, 'utf8').replace('{{text}} They were', '{{text}} {{rlprompt}} now'));
  const m = await loadRlTask(marked, tokenizer);
  assert.deepEqual(m.splits.dev!.examples[0], { before: 'Sam got a puppy for his birthday.', after: ' now', label: 0 });
});

test('RL reports prompts sorted by dev accuracy then reward, each measured exactly as eval measures the file with its text applied', { skip }, async () => {
  const events: TuneRlEvent[] = [];
  const result = await tuneRl(request({ onEvent: (e) => events.push(e) }));
  assert.equal(result.method, 'rl');
  assert.equal(result.steps_run, 6);
  assert.ok(result.prompts.length > 0 && result.prompts.length <= 3);
  assert.equal(result.written.text, ' They were');
  const progress = events.filter((e) => e.type === 'progress');
  assert.deepEqual(progress.map((e) => e.step), [1, 2, 3, 4, 5, 6]);
  assert.ok(events.some((e) => e.type === 'bestPrompts'));
  // Evaluations: 6 steps × 4 prompts × 8 examples, plus the dev (12) and, for greedy prompts, train (16) scoring.
  assert.ok(result.evaluations >= 6 * 4 * 8 + 12, `${result.evaluations}`);
  const parsed = parsePromptFile(readFileSync(promptFile, 'utf8'));
  parsed.path = promptFile;
  const resolved = resolveSlot(parsed, slot);
  for (const [i, p] of result.prompts.entries()) {
    if (i > 0) {
      const prev = result.prompts[i - 1]!;
      assert.ok(prev.dev_acc! > p.dev_acc! || (prev.dev_acc === p.dev_acc && prev.reward >= p.reward), 'sorted by dev accuracy, then reward');
    }
    const applied = join(dir, `applied-${i}.prompt`);
    writeFileSync(applied, applyPromptText(parsed.source, resolved, p.text));
    for (const [split, acc] of [['train', p.train_acc], ['dev', p.dev_acc], ['test', p.test_acc]] as const) {
      const evaluation = await evaluatePromptFile({ promptFile: applied, data: join(dir, `${split}.jsonl`), device: 'cpu' });
      assert.equal(acc, evaluation.accuracy, `prompt ${JSON.stringify(p.text)} on ${split}`);
    }
  }
});

for (const method of ['rl', 'random'] as const) {
  test(`${method}: a run cancelled mid-way and resumed from its checkpoint ends exactly as an uninterrupted run`, { skip }, async () => {
    const run = method === 'rl' ? tuneRl : randomSearch;
    const whole = join(dir, `${method}-whole`);
    const parts = join(dir, `${method}-parts`);
    mkdirSync(whole);
    mkdirSync(parts);
    const uninterrupted = await run(request({ out: whole, checkpointEvery: 1 }));
    const controller = new AbortController();
    const first = await run(
      request({
        out: parts,
        checkpointEvery: 1,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'progress' && e.step === 3) controller.abort();
        },
      }),
    );
    assert.equal(first.cancelled, true);
    assert.equal(first.steps_run, 3);
    assert.equal(first.measured, false);
    const resumed = await run(request({ out: parts, resume: parts, checkpointEvery: 1 }));
    assert.equal(resumed.steps_run, 6);
    const strip = (r: typeof resumed) => ({ ...r, out: undefined });
    assert.deepEqual(strip(resumed), strip(uninterrupted));
    const a = readRlCheckpoint(whole);
    const b = readRlCheckpoint(parts);
    assert.deepEqual(b.search, a.search);
    assert.deepEqual(b.rng, a.rng);
    if (method === 'rl') {
      assert.deepEqual(Buffer.from(b.policy!.params.buffer), Buffer.from(a.policy!.params.buffer));
      assert.deepEqual(Buffer.from(b.policy!.target.buffer), Buffer.from(a.policy!.target.buffer));
    }
  });
}

test('a resume with different settings, or of a file whose task changed around the slot, is refused, naming what changed', { skip }, async () => {
  const out = join(dir, 'rl-whole');
  await assert.rejects(tuneRl(request({ resume: out, overrides: { ...SMALL, samplesPerStep: 5 } })), /checkpoint was made with samplesPerStep = 4, this run has 5/);
  // The same slot offsets, other text after it: the saved rewards were measured on another task.
  const edited = join(dir, 'edited.prompt');
  writeFileSync(edited, readFileSync(promptFile, 'utf8').replace('{{text}} They were', '{{text}} They were, all in all,'));
  await assert.rejects(tuneRl(request({ promptFile: edited, resume: out })), /the task changed since the checkpoint/);
});

test('settings: the paper preset is RLPrompt exactly; the default departs; bad values are named', () => {
  const paper = mergeRlSettings({ preset: 'paper' });
  assert.deepEqual(
    { ...paper },
    { ...RL_PRESET_SETTINGS.paper },
  );
  assert.equal(paper.promptLength, 5);
  assert.equal(paper.topK, 256);
  assert.equal(paper.lr, 5e-5);
  assert.equal(paper.polyak, 1e-3);
  assert.equal(paper.gradClip, 5);
  assert.equal(paper.samplesPerStep, 16);
  assert.equal(paper.vocabulary, 'all');
  assert.equal(mergeRlSettings(undefined).preset, 'default');
  assert.equal(mergeRlSettings({ steps: 7 }, { steps: 9 }).steps, 9);
  assert.throws(() => mergeRlSettings({ preset: 'fast' as 'paper' }), (e: Error) => e instanceof RlSettingsError && /preset must be one of default, paper/.test(e.message));
  assert.throws(() => mergeRlSettings({ vocabulary: 'nouns' as 'all' }), /promptsmith\.rl\.vocabulary must be one of all, words/);
  assert.throws(() => mergeRlSettings({ samplesPerStep: 1 }), /samplesPerStep must be an integer ≥ 2, got 1/);
});

test('a generation task is tuned on its metric: contains (greedy outputs) and loglik (the reference log-probability)', { skip }, async () => {
  const rows = [
    { text: 'Once upon a time, there was a little', output: 'girl' },
    { text: 'Lily went to the park with her', output: 'mom' },
    { text: 'Tom saw a big', output: 'dog' },
  ];
  writeFileSync(join(dir, 'gen.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  for (const metric of ['contains', 'loglik'] as const) {
    const file = join(dir, `gen-${metric}.prompt`);
    writeFileSync(file, ['---', `model: ${await storiesOnnxDir()}`, 'config: { maxOutputTokens: 4 }', 'promptsmith.task:', '  train: gen.jsonl', '  dev: gen.jsonl', `  metric: ${metric}`, '---', '{{text}}', ''].join('\n'));
    const result = await tuneRl({ promptFile: file, device: 'cpu', overrides: { steps: 2, samplesPerStep: 3, evalEvery: 1, evalCandidates: 1, keepBest: 2, seed: 1 } });
    assert.equal(result.steps_run, 2);
    assert.ok(result.prompts.length > 0);
    for (const p of result.prompts) {
      if (metric === 'contains') assert.ok(p.train_acc >= 0 && p.train_acc <= 1, `${p.train_acc}`);
      else assert.ok(p.train_acc < 0, `mean log-probability ${p.train_acc}`);
      assert.equal(p.train_acc, p.dev_acc, 'train and dev are the same rows here');
    }
  }
});

test('another policy model writes the prompts; the task model scores their text re-tokenized', { skip }, async () => {
  const policyModel = tinyModelDir('llama');
  const result = await tuneRl(request({ overrides: { ...SMALL, steps: 2, evalEvery: 1, policyModel, vocabulary: 'all' } }));
  assert.equal(result.steps_run, 2);
  const policyTokenizer = loadTokenizer(policyModel);
  for (const p of result.prompts) {
    // The ids are the policy model's; the text is what they spell there.
    assert.ok(p.ids.every((id) => id < policyTokenizer.vocabSize));
    assert.deepEqual(p.tokens, p.ids.map((id) => policyTokenizer.idToToken(id)));
  }
});

test('a masked-LM task model needs a causal policy model; with one, prompts are scored at <mask>', { skip }, async () => {
  const file = join(dir, 'masked.prompt');
  const source = readFileSync(promptFile, 'utf8').replace(/model: .*/, `model: ${tinyModelDir('bert')}`).replace('{{text}} They were', '{{text}} {{rlprompt}} <mask> .');
  writeFileSync(file, source.replace('labels: { positive: " happy", negative: " sad" }', 'labels: { positive: " a", negative: " b" }'));
  await assert.rejects(tuneRl({ promptFile: file, device: 'cpu', overrides: SMALL }), /is a masked LM and cannot write prompts: set promptsmith\.rl\.policyModel/);
  const result = await tuneRl({ promptFile: file, device: 'cpu', overrides: { ...SMALL, steps: 2, evalEvery: 1, policyModel: tinyModelDir('llama') } });
  assert.equal(result.steps_run, 2);
  assert.equal(result.slot.kind, 'marker');
  for (const p of result.prompts) for (const acc of [p.train_acc, p.dev_acc!, p.test_acc!]) assert.ok(acc >= 0 && acc <= 1);
});
