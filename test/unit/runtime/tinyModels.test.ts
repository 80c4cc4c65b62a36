// The runtime on the tiny RANDOM-weight GPT-2, Llama and BERT exports: KV-cache generation
// against full recomputation, padded batches against single runs, masked-LM scoring at <mask>.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classify } from '../../../src/engine/runtime/classify';
import { forward } from '../../../src/engine/runtime/forward';
import { generate } from '../../../src/engine/runtime/generation';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { argmax, logSumExp } from '../../../src/engine/runtime/logits';
import { score } from '../../../src/engine/runtime/scoring';
import { tinyModelDir } from '../helpers/fixtures';
import { identityModelBytes } from './identityModel';

for (const kind of ['gpt2', 'llama'] as const) {
  test(`${kind}: KV-cache generation equals greedy recomputation of the full sequence`, async () => {
    const model = await LanguageModel.load(tinyModelDir(kind), { device: 'cpu' });
    assert.equal(model.kind, 'causal');
    const out = await generate(model, 'hello world', { greedy: true, maxTokens: 12 });
    // Independent path: no cache, the whole sequence every step.
    const ids = model.encodePrompt('hello world');
    const expected: number[] = [];
    await model.withSession(async (active) => {
      for (let step = 0; step < out.ids.length; step++) {
        const o = await forward(active.session, active.io, { ids: [ids] });
        const next = argmax(o.logits, (o.seq - 1) * o.vocab, o.vocab);
        expected.push(next);
        ids.push(next);
      }
    });
    assert.deepEqual(out.ids, expected);
    if (out.finishReason === 'length') assert.equal(out.ids.length, 12);
  });

  test(`${kind}: left- and right-padded batches score like single runs`, async () => {
    const model = await LanguageModel.load(tinyModelDir(kind), { device: 'cpu' });
    const prompts = ['a b c d e f g', 'hi', 'the cat sat on the mat'];
    const continuations = [' x y', ' there', ' ok'];
    const single = await Promise.all(prompts.map((p, i) => score(model, [p], [continuations[i]!])));
    for (const padding of ['left', 'right'] as const) {
      const batched = await score(model, prompts, continuations, { padding, batchSize: 3 });
      for (const [i, item] of batched.items.entries()) assert.ok(Math.abs(item.logprob - single[i]!.items[0]!.logprob) < 1e-4, `${padding} ${i}`);
    }
  });
}

test('bert: classify scores the verbalizers at <mask> (one and two mask tokens)', async () => {
  const model = await LanguageModel.load(tinyModelDir('bert'), { device: 'cpu' });
  assert.equal(model.kind, 'masked');
  const tok = model.tokenizer;
  const labels = { yes: 'good', no: 'bad', long: 'good bad' };
  const result = await classify(model, ['the movie', 'a cat'], '{text} was <mask> .', labels);
  for (const [t, text] of ['the movie', 'a cat'].entries()) {
    const item = result.items[t]!;
    assert.ok(Math.abs(Object.values(item.probs).reduce((a, b) => a + b, 0) - 1) < 1e-9);
    // Independent path: put [MASK] tokens in by hand and read the log-softmax there.
    for (const [label, verbalizer] of Object.entries(labels)) {
      const v = tok.encode(verbalizer, { addSpecialTokens: false });
      const ids = tok.encode(`${text} was ${Array(v.length).fill('[MASK]').join(' ')} .`);
      const positions = ids.flatMap((id, i) => (id === tok.maskId ? [i] : []));
      assert.equal(positions.length, v.length);
      const expected = await model.withSession(async (active) => {
        const o = await forward(active.session, active.io, { ids: [ids] });
        return v.reduce((sum, token, k) => sum + o.logits[positions[k]! * o.vocab + token]! - logSumExp(o.logits, positions[k]! * o.vocab, o.vocab), 0);
      });
      assert.ok(Math.abs(item.scores[label]! - expected) < 1e-4, `${text} ${label}: ${item.scores[label]} vs ${expected}`);
    }
  }
  await assert.rejects(classify(model, ['x'], '{text} no slot', labels), /a masked LM needs a <mask> slot/);
  await assert.rejects(score(model, ['x'], [' y']), /score needs a causal LM/);
});

test('chat messages go through the model chat template (its own special tokens, no extra BOS)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-'));
  try {
    const src = tinyModelDir('llama');
    mkdirSync(join(dir, 'onnx'));
    for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) copyFileSync(join(src, f), join(dir, f));
    const config = JSON.parse(readFileSync(join(src, 'tokenizer_config.json'), 'utf8'));
    config.chat_template = '{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant]';
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
    const model = await LanguageModel.load(dir, { device: 'cpu' });
    const messages = [{ role: 'user', content: 'hello there' }];
    const rendered = model.tokenizer.applyChatTemplate(messages);
    assert.equal(rendered, `${config.bos_token}[user] hello there\n[assistant]`);
    const expectedIds = model.tokenizer.encode(rendered, { addSpecialTokens: false });
    assert.equal(expectedIds.filter((id) => id === model.tokenizer.bosId).length, 1, 'exactly one BOS');
    const out = await generate(model, messages, { greedy: true, maxTokens: 6 });
    assert.equal(out.promptTokens, expectedIds.length);
    const ids = [...expectedIds];
    const expected: number[] = [];
    await model.withSession(async (active) => {
      for (let step = 0; step < out.ids.length; step++) {
        const o = await forward(active.session, active.io, { ids: [ids] });
        expected.push(argmax(o.logits, (o.seq - 1) * o.vocab, o.vocab));
        ids.push(expected.at(-1)!);
      }
    });
    assert.deepEqual(out.ids, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model whose inputs don't match is one error naming the ONNX file", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'badio-'));
  try {
    mkdirSync(join(dir, 'onnx'));
    writeFileSync(join(dir, 'onnx', 'model.onnx'), identityModelBytes());
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['GPT2LMHeadModel'] }));
    copyFileSync(join(tinyModelDir('gpt2'), 'tokenizer.json'), join(dir, 'tokenizer.json'));
    await assert.rejects(LanguageModel.load(dir, { device: 'cpu' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_BAD_MODEL');
      assert.equal(e.message, `${join(dir, 'onnx', 'model.onnx')}: the model has no 'input_ids' input (inputs: x)`);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
