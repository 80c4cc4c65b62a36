// Fine tuning without labels: a generation task (the LM loss on each row's reference output) and
// a text corpus (the LM loss on every token of fixed-length windows). Selection is by dev loss;
// there is no accuracy to report.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { fineTune } from '../../../src/engine/tuning/finetune/fineTune';
import { corpusWindows } from '../../../src/engine/tuning/finetune/taskData';
import { STORIES_ABSENT, storiesHfDir, tinysentDir } from '../helpers/fixtures';

function tinysentRows(split: string): { text: string; label: string }[] {
  return readFileSync(join(tinysentDir()!, `${split}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

test('a generation task (no labels) trains the LM loss on the reference outputs and lowers the dev loss', async (t) => {
  if (!storiesHfDir() || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const dir = mkdtempSync(join(tmpdir(), 'ps-finetune-gen-'));
  try {
    for (const split of ['train', 'dev']) {
      const rows = tinysentRows(split).map((r) => JSON.stringify({ text: r.text, answer: r.label === 'positive' ? ' happy and glad.' : ' sad and upset.' }));
      writeFileSync(join(dir, `${split}.jsonl`), `${rows.join('\n')}\n`);
    }
    const file = join(dir, 'story.prompt');
    writeFileSync(file, `---\nmodel: ${storiesHfDir()}\npromptsmith.task:\n  train: train.jsonl\n  dev: dev.jsonl\npromptsmith.finetune:\n  target: answer\n  steps: 30\n  evalEvery: 10\n  lr: 0.001\n---\n{{text}} They were\n`);
    const r = await fineTune({ promptFile: file, out: join(dir, 'out'), device: 'cpu' });
    assert.equal(r.objective, 'generation');
    assert.equal(r.dev_acc, null);
    assert.equal(r.test_acc, null);
    assert.equal(r.test_loss, null, 'no test split');
    assert.ok(r.dev_loss! < r.manual.dev_loss! / 2, `dev loss per target token ${r.manual.dev_loss} → ${r.dev_loss}`);
    await assert.rejects(
      fineTune({ promptFile: file, out: join(dir, 'out2'), device: 'cpu', overrides: { target: 'missing' } }),
      /train\.jsonl:1: missing field 'missing'/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a text corpus is cut into windows (every 10th held out as dev) and its LM loss goes down', async (t) => {
  const hf = storiesHfDir();
  if (!hf || !tinysentDir()) return t.skip(STORIES_ABSENT);
  const dir = mkdtempSync(join(tmpdir(), 'ps-finetune-corpus-'));
  try {
    const corpus = join(dir, 'stories.txt');
    writeFileSync(corpus, tinysentRows('train').map((r) => r.text).join('\n\n'));
    const windows = corpusWindows(corpus, loadTokenizer(hf), 16);
    assert.ok(windows.length >= 20);
    assert.ok(windows.every((w) => w.ids.length === 1 && w.target!.length <= 15));
    writeFileSync(join(dir, 'bad.jsonl'), '{"text": "ok"}\n{"body": 1}\n');
    assert.throws(() => corpusWindows(join(dir, 'bad.jsonl'), loadTokenizer(hf), 16), /bad\.jsonl:2: expected an object with a string field 'text'/);

    const file = join(dir, 'lm.prompt');
    writeFileSync(file, `---\nmodel: ${hf}\npromptsmith.finetune:\n  corpus: stories.txt\n  maxLength: 16\n  steps: 30\n  evalEvery: 10\n  lr: 0.002\n---\n{{text}}\n`);
    const r = await fineTune({ promptFile: file, out: join(dir, 'out'), device: 'cpu' });
    assert.equal(r.objective, 'generation');
    assert.ok(r.dev_loss! < r.manual.dev_loss!, `held-out corpus loss ${r.manual.dev_loss} → ${r.dev_loss}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
