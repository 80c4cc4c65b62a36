import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { classify, fillTemplate, sharedPrefixLength } from '../../../src/engine/runtime/classify';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { score } from '../../../src/engine/runtime/scoring';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
let model: LanguageModel;
before(async () => {
  if (!skip) model = await LanguageModel.load(await storiesOnnxDir(), { device: 'cpu' });
});

test('shared prefix: common ids only, each prompt keeps a token, short prefixes are not worth it', () => {
  assert.equal(sharedPrefixLength([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]]), 9);
  assert.equal(sharedPrefixLength([[1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]), 8);
  assert.equal(sharedPrefixLength([[1, 2, 3, 4, 5, 6, 7, 9], [1, 2, 3, 4, 5, 6, 7, 8]]), 0);
  assert.equal(sharedPrefixLength([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]), 0);
});

test('templates take the text at {text} or {{text}}', () => {
  assert.equal(fillTemplate('{text} They were', 'Sam won.'), 'Sam won. They were');
  assert.equal(fillTemplate('Story: {{ text }}!', 'x'), 'Story: x!');
  assert.throws(() => fillTemplate('no slot', 'x'), /template: needs a \{text\} slot/);
});

test('class probabilities = softmax of summed verbalizer log-probs (multi-token via the KV cache)', { skip }, async () => {
  const texts = ['Lily got a new toy.', 'The dog lost its ball and cried.', 'Tom and Sue played in the sun all day.'];
  const template = '{text} She was very';
  // ' happy' is one token, ' sad' two, ' scared and sad' several.
  const labels = { positive: ' happy', negative: ' sad', fear: ' scared and sad' };
  const result = await classify(model, texts, template, labels, { batchSize: 2 });
  assert.equal(result.device, 'cpu');
  // Independent path: full-sequence scoring of each (prompt, verbalizer) pair.
  for (const [i, text] of texts.entries()) {
    const prompt = template.replace('{text}', text);
    const names = Object.keys(labels) as (keyof typeof labels)[];
    const full = await score(model, names.map(() => prompt), names.map((n) => labels[n]));
    const item = result.items[i]!;
    for (const [k, n] of names.entries()) assert.ok(Math.abs(item.scores[n]! - full.items[k]!.logprob) < 1e-4, `${i} ${n}: ${item.scores[n]} vs ${full.items[k]!.logprob}`);
    const total = Object.values(item.probs).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-9);
    const best = names.reduce((a, b) => (item.scores[a]! >= item.scores[b]! ? a : b));
    assert.equal(item.label, best);
  }
});

test('a few-shot prefix shared by all texts is computed once, with the same scores', { skip }, async () => {
  const template = 'Lily was happy. She smiled. Tom was sad. He cried. Sue was happy. She laughed. {text} She was very';
  const texts = ['Ben lost his ball.', 'Mia got a puppy.', 'Max fell down.', 'Anna ate cake.', 'Sam saw a bird.'];
  const labels = { positive: ' happy', negative: ' sad', fear: ' scared and sad' };
  const result = await classify(model, texts, template, labels, { batchSize: 2 });
  assert.ok(result.sharedPrefixTokens >= 8, `shared ${result.sharedPrefixTokens}`);
  for (const [i, text] of texts.entries()) {
    const prompt = template.replace('{text}', text);
    const full = await score(model, [prompt, prompt, prompt], [' happy', ' sad', ' scared and sad']);
    assert.ok(Math.abs(result.items[i]!.scores.positive! - full.items[0]!.logprob) < 1e-4);
    assert.ok(Math.abs(result.items[i]!.scores.negative! - full.items[1]!.logprob) < 1e-4);
    assert.ok(Math.abs(result.items[i]!.scores.fear! - full.items[2]!.logprob) < 1e-4);
  }
  const one = await classify(model, texts.slice(0, 1), template, labels);
  assert.equal(one.sharedPrefixTokens, 0, 'a single text has nothing to share');
});

test('bad labels are named', { skip }, async () => {
  await assert.rejects(classify(model, ['x'], '{text}', { only: ' happy' }), /at least two labels/);
  await assert.rejects(classify(model, ['x'], '{text}', { a: ' happy', b: '' }), /labels\.b: the verbalizer "" encodes to no tokens/);
});
