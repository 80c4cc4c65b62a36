// The local TaskScorer against the engine's independent scoring paths: full-sequence `score()`
// for causal LMs (prefix KV caches reused, rows of many prefixes batched, multi-token
// verbalizers sharing rows), `classifyMaskedScores` for masked LMs, and `generate` for outputs.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { generate } from '../../../src/engine/runtime/generation';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { classifyMaskedScores } from '../../../src/engine/runtime/maskedLm';
import { score, scoreIds } from '../../../src/engine/runtime/scoring';
import { LocalTaskScorer } from '../../../src/engine/tasks/localTaskScorer';
import type { SlotExample } from '../../../src/engine/tasks/taskScorer';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinyModelDir } from '../helpers/fixtures';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
let stories: LanguageModel;
before(async () => {
  if (!skip) stories = await LanguageModel.load(await storiesOnnxDir(), { device: 'cpu' });
});

const examples: SlotExample[] = [
  { before: 'Ben got wet and cold in the storm.', after: '', label: 1 },
  { before: 'Max made a new friend at the park. Then', after: ' he was', label: 0 },
  { before: 'Amy ate a big piece of cake.', after: ' She felt very', label: 0 },
];

function near(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) < 2e-4, `${what}: ${got} vs ${want}`);
}

test('class scores equal full-sequence scoring of before + prompt + after + verbalizer, for every prompt and example', { skip }, async () => {
  const verbalizers = [' happy', ' sad', ' scared and sad'];
  const scorer = new LocalTaskScorer(stories, verbalizers, { batchRows: 4 });
  const tok = stories.tokenizer;
  // With ids (joined at the id level, as the policy's ids are) and as text; also the empty prompt.
  const prompts = [{ text: ' They were', ids: tok.encode(' They were', { addSpecialTokens: false }) }, { text: ' It was a' }, { text: '' }];
  const scores = await scorer.classScores(prompts, examples);
  assert.equal(scorer.evaluations, prompts.length * examples.length);
  for (const [p, prompt] of prompts.entries()) {
    for (const [e, ex] of examples.entries()) {
      // The reference path: the same ids as one full sequence, no cache.
      const ids = [...stories.encodePrompt(ex.before), ...tok.encode(prompt.text, { addSpecialTokens: false }), ...(ex.after ? tok.encode(ex.after, { addSpecialTokens: false }) : [])];
      for (const [c, v] of verbalizers.entries()) {
        const want = await stories.withSession(async (active) => (await scoreIds(active, [{ prompt: ids, continuation: tok.encode(v, { addSpecialTokens: false }) }], stories.padId()))[0]!.logprob);
        near(scores[p]![e]![c]!, want, `prompt ${p}, example ${e}, class ${c}`);
      }
    }
  }
});

test('scores do not depend on which other prompts and examples share a batch', { skip }, async () => {
  const scorer = new LocalTaskScorer(stories, [' happy', ' sad']);
  const tok = stories.tokenizer;
  const a = { text: ' They were', ids: tok.encode(' They were', { addSpecialTokens: false }) };
  const b = { text: ' She felt', ids: tok.encode(' She felt', { addSpecialTokens: false }) };
  const together = await scorer.classScores([a, b], examples);
  const alone = await new LocalTaskScorer(stories, [' happy', ' sad']).classScores([b], [examples[2]!]);
  near(together[1]![2]![0]!, alone[0]![0]![0]!, 'happy');
  near(together[1]![2]![1]!, alone[0]![0]![1]!, 'sad');
});

test('a reference log-likelihood equals score() of the full text', { skip }, async () => {
  const scorer = new LocalTaskScorer(stories, []);
  const ex = [{ before: 'Once upon a time, there was a', after: ' little', reference: ' girl named Lily.' }];
  const [[got]] = await scorer.referenceLogprobs([{ text: ' very' }], ex);
  const want = (await score(stories, ['Once upon a time, there was a very little'], [' girl named Lily.'])).items[0]!.logprob;
  near(got!, want, 'reference log-prob');
});

test('generation gives the greedy continuation of before + prompt + after', { skip }, async () => {
  const scorer = new LocalTaskScorer(stories, []);
  const [[out]] = await scorer.generate([{ text: ' there was' }], [{ before: 'Once upon a time,', after: ' a' }], { maxTokens: 6 });
  const want = await generate(stories, 'Once upon a time, there was a', { greedy: true, maxTokens: 6 });
  assert.equal(out, want.text);
});

test('a masked LM scores the verbalizer at <mask>, adding the paper\'s " <mask> ." when the template has none', async () => {
  const bert = await LanguageModel.load(tinyModelDir('bert'), { device: 'cpu' });
  const verbalizers = [' a', ' b'];
  const scorer = new LocalTaskScorer(bert, verbalizers);
  const scores = await scorer.classScores([{ text: ' it is' }], [{ before: 'the cat', after: '', label: 0 }, { before: 'a dog', after: ' <mask> !', label: 1 }]);
  const ids = verbalizers.map((v) => bert.tokenizer.encode(v, { addSpecialTokens: false }));
  const want = await bert.withSession((active) => classifyMaskedScores(bert, active, ['the cat it is <mask> .', 'a dog it is <mask> !'], ids, {}));
  for (const e of [0, 1]) for (const c of [0, 1]) near(scores[0]![e]![c]!, want[e]![c]!, `example ${e} class ${c}`);
  await assert.rejects(scorer.referenceLogprobs([{ text: '' }], [{ before: 'x', after: '', reference: 'y' }]), /masked LM/);
});
