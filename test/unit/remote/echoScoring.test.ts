// Finding a continuation's log-prob in completion answers as servers shape them: vLLM lists
// `<s>` and counts offsets from it, some list raw SentencePiece pieces, some stop without the
// generated token, some have no echo at all (one entry). The tail of the prompt is what counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompletionLogprobs } from '../../../src/engine/remote/completionWire';
import { echoedContinuation, hasPromptLogprobs, topLogprobFloor, topLogprobOf } from '../../../src/engine/remote/echoScoring';

function answer(tokens: string[], logprobs: (number | null)[]): CompletionLogprobs {
  return { tokens, tokenLogprobs: logprobs, topLogprobs: tokens.map(() => null) };
}

// "Sam was very happy" + one generated token ".", listed with <s> first as vLLM lists it.
const vllm = answer(['<s>', 'Sam', ' was', ' very', ' happy', '.'], [null, -1, -2, -3, -4, -0.5]);

test('the continuation is the run of prompt tokens before the generated one that spells it', () => {
  assert.deepEqual(echoedContinuation(vllm, ' happy'), { logprob: -4, tokens: 1 });
  assert.deepEqual(echoedContinuation(vllm, ' very happy'), { logprob: -7, tokens: 2 });
});

test('an answer that ends at the prompt (max_tokens 0, or an immediate stop) is read the same way', () => {
  const noGenerated = answer(vllm.tokens.slice(0, -1), vllm.tokenLogprobs.slice(0, -1));
  assert.deepEqual(echoedContinuation(noGenerated, ' happy'), { logprob: -4, tokens: 1 });
});

test('raw SentencePiece pieces spell the continuation with ▁ as a space', () => {
  const pieces = answer(['<s>', '\u2581Sam', '\u2581was', '\u2581sa', 'd', '\u2581.'], [null, -1, -2, -3, -0.25, -1]);
  assert.deepEqual(echoedContinuation(pieces, ' sad'), { logprob: -3.25, tokens: 2 });
});

test('a token that straddles the boundary counts in full; text that is not at the end is not found', () => {
  // "Sam was " + "happy": tokenized together, the space joins the continuation's token.
  assert.deepEqual(echoedContinuation(vllm, 'happy'), { logprob: -4, tokens: 1 });
  assert.equal(echoedContinuation(vllm, ' sad'), undefined);
  assert.equal(echoedContinuation(vllm, '<s>Sam was very happy'), undefined, 'the first token has no log-prob');
});

test('an answer without echo has no prompt log-probs', () => {
  assert.equal(hasPromptLogprobs(answer(['.'], [-0.5])), false);
  assert.equal(hasPromptLogprobs(vllm), true);
});

test('top log-probs are matched by text or by raw piece; an absent token is bounded by the lowest listed', () => {
  const top = { ' happy': -0.5, '\u2581sad': -1.5, ' big': -3 };
  assert.equal(topLogprobOf(top, ' happy'), -0.5);
  assert.equal(topLogprobOf(top, ' sad'), -1.5);
  assert.equal(topLogprobOf(top, ' small'), undefined);
  assert.equal(topLogprobFloor(top), -3);
});
