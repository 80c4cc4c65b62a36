import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { generate } from '../../../src/engine/runtime/generation';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { score, scoreIds } from '../../../src/engine/runtime/scoring';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';
import { storiesReference } from './sharedModels';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
let model: LanguageModel;
before(async () => {
  if (!skip) model = await LanguageModel.load(await storiesOnnxDir(), { device: 'cpu' });
});

test('greedy generation from BOS reproduces reference.json with the KV cache', { skip }, async () => {
  const ref = storiesReference();
  const pieces: string[] = [];
  const out = await generate(model, '', { greedy: true, maxTokens: 64, onToken: (p) => pieces.push(p.text) });
  assert.deepEqual(out.ids, ref.greedy_from_bos);
  assert.equal(out.text, ref.greedy_text);
  assert.equal(pieces.join(''), out.text, 'streamed pieces add up to the text');
  assert.equal(out.finishReason, 'length');
  assert.equal(out.device, 'cpu');
  assert.equal(out.promptTokens, 1);
  assert.ok(out.tokensPerS > 0);
});

test('scoring matches prompt_logprob_case within 1e-4', { skip }, async () => {
  const c = storiesReference().prompt_logprob_case;
  assert.deepEqual(model.encodePrompt(c.text), c.ids);
  const byText = await score(model, [c.text], [' happy']);
  assert.deepEqual(byText.items[0]!.tokens, [393]);
  assert.deepEqual(byText.items[0]!.tokenTexts, ['▁happy']);
  assert.ok(Math.abs(byText.items[0]!.logprob - c.next_token_logprobs_top5[0]![1]) < 1e-4, `${byText.items[0]!.logprob}`);
  assert.equal(byText.device, 'cpu');
  const all = await model.withSession((active) =>
    scoreIds(active, c.next_token_logprobs_top5.map(([id]) => ({ prompt: c.ids, continuation: [id] })), model.padId()),
  );
  for (const [i, [, expected]] of c.next_token_logprobs_top5.entries()) {
    assert.ok(Math.abs(all[i]!.logprob - expected) < 1e-4, `top5[${i}]: ${all[i]!.logprob} vs ${expected}`);
  }
});

test('batched scoring (left and right padding) equals unbatched runs within 1e-4', { skip }, async () => {
  const prompts = ['Once upon a time', 'Lily got a new toy. She was very', 'Tom', 'The sun was shining and the birds sang in the big green tree. Sam'];
  const continuations = [' there was a dog', ' sad', ' said, "Hello!"', ' ran'];
  const single = await Promise.all(prompts.map((p, i) => score(model, [p], [continuations[i]!], { batchSize: 1 })));
  for (const padding of ['right', 'left'] as const) {
    const batched = await score(model, prompts, continuations, { batchSize: 4, padding });
    batched.items.forEach((item, i) => {
      const one = single[i]!.items[0]!;
      assert.deepEqual(item.tokens, one.tokens);
      assert.ok(Math.abs(item.logprob - one.logprob) < 1e-4, `${padding} item ${i}: ${item.logprob} vs ${one.logprob}`);
      for (const [j, lp] of item.tokenLogprobs.entries()) assert.ok(Math.abs(lp - one.tokenLogprobs[j]!) < 1e-4);
    });
  }
  // ' sad' is two tokens: the sum is over both.
  const sad = single[1]!.items[0]!;
  assert.equal(sad.tokens.length, 2);
  assert.ok(Math.abs(sad.logprob - (sad.tokenLogprobs[0]! + sad.tokenLogprobs[1]!)) < 1e-12);
});

test('sampling: same seed same text; top-k 1 is greedy', { skip }, async () => {
  const a = await generate(model, 'Once upon a time', { temperature: 1, topK: 40, topP: 0.95, seed: 7, maxTokens: 24 });
  const b = await generate(model, 'Once upon a time', { temperature: 1, topK: 40, topP: 0.95, seed: 7, maxTokens: 24 });
  assert.deepEqual(a.ids, b.ids);
  assert.equal(a.seed, 7);
  const others = await Promise.all([8, 9, 10].map((seed) => generate(model, 'Once upon a time', { temperature: 1, seed, maxTokens: 24 })));
  assert.ok(others.some((o) => o.text !== a.text), 'different seeds give different samples');
  const greedy = await generate(model, 'Once upon a time', { greedy: true, maxTokens: 12 });
  const topOne = await generate(model, 'Once upon a time', { temperature: 0.8, topK: 1, seed: 3, maxTokens: 12 });
  assert.deepEqual(topOne.ids, greedy.ids);
});

test('stop strings cut the text; abort ends early with what was generated', { skip }, async () => {
  const stopped = await generate(model, '', { greedy: true, maxTokens: 64, stop: ['.'] });
  assert.equal(stopped.text, 'Once upon a time, there was a little girl named Lily');
  assert.equal(stopped.finishReason, 'stop');
  const streamed: string[] = [];
  await generate(model, '', { greedy: true, maxTokens: 64, stop: [' Lily.'], onToken: (p) => streamed.push(p.text) });
  assert.equal(streamed.join(''), 'Once upon a time, there was a little girl named', 'a possible stop prefix is never streamed');
  const controller = new AbortController();
  let seen = 0;
  const cancelled = await generate(model, '', {
    greedy: true,
    maxTokens: 64,
    signal: controller.signal,
    onToken: () => {
      if (++seen === 3) controller.abort();
    },
  });
  assert.equal(cancelled.finishReason, 'cancelled');
  assert.deepEqual(cancelled.ids, storiesReference().greedy_from_bos.slice(0, 3));
});

test('the story ends at BOS (id 1): generation stops there', { skip }, async () => {
  const out = await generate(model, '', { greedy: true, maxTokens: 400 });
  assert.equal(out.finishReason, 'eos');
  assert.ok(!out.ids.includes(1) && !out.ids.includes(2));
  assert.ok(out.ids.length < 400);
});

test("inputs longer than the model's context are refused with the numbers", { skip }, async () => {
  await assert.rejects(score(model, ['Tom '.repeat(600)], [' ran']), /item 0: \d+ tokens exceed the model's context of 512/);
  await assert.rejects(generate(model, 'Tom '.repeat(600), { maxTokens: 3 }), /the prompt has \d+ tokens; the model's context is 512/);
  // Generation stops at the context length instead of running past it.
  const out = await generate(model, 'Tom '.repeat(250).trim(), { greedy: true, maxTokens: 100 });
  assert.ok(out.promptTokens + out.ids.length <= 512);
});
