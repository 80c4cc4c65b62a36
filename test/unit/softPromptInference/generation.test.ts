// Generation with a saved soft prompt on the real stories260k (KV-cache decoder + soft_prompt
// input). Two independent checks of placement and positions: a soft prompt made of the embedding
// rows of real tokens generates exactly what those tokens generate when written as ids, and the
// cached step-by-step decoding equals argmax decoding over full-sequence logits.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { findEmbeddingGather } from '../../../src/engine/tuning/softprompt/surgery';
import type { SoftPromptAdapter } from '../../../src/engine/tuning/softprompt/peft';
import { cachedSoftPromptDecoders, softPromptDecoder } from '../../../src/engine/tuning/softprompt/softPromptDecoder';
import { generateWithSoftPrompt } from '../../../src/engine/tuning/softprompt/softPromptGeneration';
import { SOFT_PROMPT_MARKER } from '../../../src/promptFile/promptFile';
import { forward } from '../../../src/engine/runtime/forward';
import { generate } from '../../../src/engine/runtime/generation';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { float32Tensor, int64Tensor } from '../../../src/engine/runtime/ort';
import { argmax } from '../../../src/engine/runtime/logits';
import { seededRandom } from '../../../src/engine/runtime/sampling';
import { STORIES_ABSENT, storiesHfDir, storiesModel, storiesOnnxDir } from '../helpers/fixtures';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
const STORY = 'Lily found a shiny stone.';
let model: LanguageModel;
let table: Float32Array;
let hidden: number;

before(async () => {
  if (skip) return;
  model = await LanguageModel.load(await storiesOnnxDir(), { device: 'cpu' });
  const t = findEmbeddingGather(storiesModel().graph).table;
  table = Float32Array.from(t.data as Float32Array);
  hidden = t.dims[1]!;
});

/** An adapter whose virtual tokens are the embedding rows of `ids` (PEFT's TEXT init, untrained). */
function adapterOf(ids: readonly number[]): SoftPromptAdapter {
  const embeddings = new Float32Array(ids.length * hidden);
  ids.forEach((id, i) => {
    embeddings.set(table.subarray(id * hidden, (id + 1) * hidden), i * hidden);
  });
  return { numVirtualTokens: ids.length, tokenDim: hidden, embeddings, init: 'TEXT', baseModel: 'stories260k' };
}

/** Greedy decoding that reruns the whole sequence each step on the plain model (no cache). */
async function argmaxDecode(ids: readonly number[], steps: number): Promise<number[]> {
  const stop = model.stopIds();
  const all = [...ids];
  const out: number[] = [];
  await model.withSession(async (active) => {
    for (let i = 0; i < steps; i++) {
      const r = await forward(active.session, active.io, { ids: [all], wantPresent: false });
      const next = argmax(r.logits, (r.seq - 1) * r.vocab, r.vocab);
      if (stop.has(next)) break;
      out.push(next);
      all.push(next);
    }
  });
  return out;
}

test('soft prompt = embeddings of " They were" at a slot generates what the text " They were" generates', { skip }, async () => {
  const words = model.tokenizer.encode(' They were', { addSpecialTokens: false });
  const plainIds = model.encodePrompt(`${STORY} They were`);
  assert.deepEqual(plainIds.slice(-words.length), words, 'the phrase tokenizes the same at the end of the prompt');
  const plain = await generate(model, `${STORY} They were`, { greedy: true, maxTokens: 16 });
  const streamed: string[] = [];
  const soft = await generateWithSoftPrompt(model, adapterOf(words), `${STORY}${SOFT_PROMPT_MARKER('feel')}`, {
    greedy: true,
    maxTokens: 16,
    onToken: (p) => streamed.push(p.text),
  });
  assert.ok(plain.ids.length > 3, 'the model writes something');
  assert.deepEqual(soft.ids, plain.ids);
  assert.equal(soft.text, plain.text);
  assert.equal(streamed.join(''), soft.text, 'streamed pieces make the whole text');
  const V = table.length / hidden;
  assert.deepEqual(soft.promptIds, [...plainIds.slice(0, -words.length), ...words.map((_, i) => V + i)], 'virtual ids V, V+1, … sit where the slot was');
});

test('before BOS (PEFT placement): same tokens as the real ids [They, were, BOS, …] decoded on the plain model', { skip }, async () => {
  const words = model.tokenizer.encode(' They were', { addSpecialTokens: false });
  const storyIds = model.encodePrompt(STORY);
  const soft = await generateWithSoftPrompt(model, adapterOf(words), STORY, { greedy: true, maxTokens: 12 });
  const V = table.length / hidden;
  assert.deepEqual(soft.promptIds, [...words.map((_, i) => V + i), ...storyIds], 'virtual tokens first, then BOS and the prompt');
  assert.ok(soft.ids.length > 3, 'the model writes something');
  assert.deepEqual(soft.ids, await argmaxDecode([...words, ...storyIds], 12));
});

test('a trained-looking (random) soft prompt: cached greedy decoding equals argmax over full-sequence logits with the same soft prompt', { skip }, async () => {
  const n = 5;
  const uniform = seededRandom(7);
  const random = () => uniform() * 2 - 1;
  const adapter: SoftPromptAdapter = { numVirtualTokens: n, tokenDim: hidden, embeddings: Float32Array.from({ length: n * hidden }, random), init: 'RANDOM', baseModel: 'x' };
  const before = cachedSoftPromptDecoders();
  const soft = await generateWithSoftPrompt(model, adapter, STORY, { greedy: true, maxTokens: 10 });
  assert.equal(cachedSoftPromptDecoders(), before + 1, 'one more decoder for n = 5');
  // Full sequence each step, empty past, soft_prompt fed directly: no cache, no runtime forward.
  const decoder = await softPromptDecoder(model, n);
  assert.equal(cachedSoftPromptDecoders(), before + 1, 'the second use shares the cached decoder');
  const io = await model.withSession(async (a) => a.io);
  const all = [...soft.promptIds];
  const expected: number[] = [];
  for (let step = 0; step < 10; step++) {
    const T = all.length;
    const feeds: Record<string, ReturnType<typeof int64Tensor>> = {
      input_ids: int64Tensor(all, [1, T]),
      attention_mask: int64Tensor(new Array(T).fill(1), [1, T]),
      position_ids: int64Tensor(all.map((_, i) => i), [1, T]),
      soft_prompt: float32Tensor(adapter.embeddings, [n, hidden]),
    };
    for (const name of io.pastInputs) feeds[name] = float32Tensor(new Float32Array(0), [1, io.kvHeads, 0, io.headDim]);
    const out = await decoder.session.run(feeds, ['logits']);
    const logits = out.logits!.data as Float32Array;
    const vocab = logits.length / T;
    const next = argmax(logits, (T - 1) * vocab, vocab);
    if (model.stopIds().has(next)) break;
    expected.push(next);
    all.push(next);
  }
  assert.ok(expected.length > 3);
  assert.deepEqual(soft.ids, expected);
  // The soft prompt matters: without it the same prompt continues differently.
  const plain = await generate(model, STORY, { greedy: true, maxTokens: 10 });
  assert.notDeepEqual(plain.ids, soft.ids);
});

test('an adapter whose token_dim is not the model hidden size is refused with a clear message', { skip }, async () => {
  const bad: SoftPromptAdapter = { numVirtualTokens: 2, tokenDim: hidden + 1, embeddings: new Float32Array(2 * (hidden + 1)), init: 'RANDOM', baseModel: 'x' };
  await assert.rejects(generateWithSoftPrompt(model, bad, STORY, { maxTokens: 2 }), /token_dim 65 does not match the model's hidden size 64/);
});
