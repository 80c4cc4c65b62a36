// The tiny random test models: labelled as random, deterministic per seed, tokenizers that load,
// ONNX that runs; the tiny Llama (GQA) keeps KV-cache and padding consistency; the exporter
// table exports the GPT-2 and BERT checkpoints through exportModel.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { exportModel } from '../../../src/engine/onnx/export/exportModel';
import { RANDOM_NOTE, TINY_MODEL_KINDS, writeTinyCheckpoint } from '../../../src/engine/onnx/export/tinyModels';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { tinyModelDir } from '../helpers/fixtures';
import { assertClose, openSession, readConfig, row, runFull, runIncremental } from './tinyDecoding';

const work = mkdtempSync(join(tmpdir(), 'tiny-models-'));
after(() => rmSync(work, { recursive: true, force: true }));

for (const kind of TINY_MODEL_KINDS) {
  test(`tiny ${kind}: labelled random, tokenizer loads and round-trips, ONNX runs`, async () => {
    const dir = tinyModelDir(kind);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config._promptsmith_note, RANDOM_NOTE);
    const tokenizer = loadTokenizer(dir);
    assert.equal(tokenizer.vocabSize, config.vocab_size, 'tokenizer and embedding sizes agree');
    const text = kind === 'bert' ? 'the dog was happy, she said.' : 'Once upon a time, the dog was happy.';
    const ids = tokenizer.encode(text);
    assert.ok(ids.every((id) => id >= 0 && id < config.vocab_size));
    assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true }), text);
    const session = await openSession(dir);
    const inputs = kind === 'bert' ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key'];
    for (const name of inputs) assert.ok(session.inputNames.includes(name), `input ${name}`);
    assert.equal(session.outputNames[0], 'logits');
  });
}

test('tiny checkpoints are deterministic per seed', () => {
  const bytes = (seed: number, name: string) => {
    const dir = join(work, `gpt2-${seed}-${name}`);
    writeTinyCheckpoint('gpt2', dir, seed);
    return readFileSync(join(dir, 'model.safetensors'));
  };
  assert.ok(bytes(0, 'a').equals(bytes(0, 'b')), 'same seed, same bytes');
  assert.ok(!bytes(0, 'c').equals(bytes(1, 'd')), 'another seed, other weights');
});

test('tiny Llama (GQA): token-by-token with the KV cache equals the full sequence; left padding is neutral', async () => {
  const dir = tinyModelDir('llama');
  const config = readConfig(dir);
  assert.ok(config.num_key_value_heads < config.num_attention_heads, 'exercises grouped-query attention');
  const session = await openSession(dir);
  const ids = [1, 300, 42, 261, 7, 290, 100];
  const full = await runFull(session, config, [ids]);
  const steps = await runIncremental(session, config, ids);
  for (const [t, logits] of steps.entries()) assertClose(logits, row(full, 0, t), 1e-4, `step ${t}`);
  const batch = await runFull(session, config, [ids, [0, 0, ...ids.slice(0, 5)]], [ids.map(() => 1), [0, 0, 1, 1, 1, 1, 1]]);
  for (let t = 0; t < 5; t++) assertClose(row(batch, 1, t + 2), row(full, 0, t), 1e-4, `padded position ${t}`);
});

test('exportModel dispatches GPT2LMHeadModel and BertForMaskedLM checkpoints through the exporter table', async () => {
  for (const kind of ['gpt2', 'bert'] as const) {
    const src = join(work, `${kind}-src`);
    writeTinyCheckpoint(kind, src);
    const out = join(work, `${kind}-out`);
    await exportModel(src, out);
    assert.ok(existsSync(join(out, 'onnx', 'model.onnx')) && existsSync(join(out, 'tokenizer.json')));
    const session = await openSession(out);
    assert.equal(session.outputNames[0], 'logits');
  }
});
