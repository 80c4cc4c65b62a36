// The exported model loads and generates in transformers.js (what users of the HF layout expect).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';

test('transformers.js loads the exported stories260k and greedy generation matches reference.json', async (t) => {
  const hf = storiesHfDir();
  if (!hf) return t.skip(STORIES_ABSENT);
  const reference = JSON.parse(readFileSync(join(hf, 'reference.json'), 'utf8')) as { greedy_from_bos: number[]; greedy_text: string };
  const dir = await storiesOnnxDir();
  // Loaded from node_modules at run time: the library needs its own files (import.meta.url), so
  // it must not be bundled into the test.
  const specifier = '@huggingface/transformers';
  const { env, AutoTokenizer, AutoModelForCausalLM } = (await import(specifier)) as typeof import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(dir)}/`;
  const tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
  const model = await AutoModelForCausalLM.from_pretrained(basename(dir), { dtype: 'fp32', device: 'cpu' });
  try {
    const inputs = tokenizer('', { add_special_tokens: true });
    const out = (await model.generate({ ...inputs, max_new_tokens: 64, do_sample: false })) as { tolist(): bigint[][] };
    const ids = out.tolist()[0]!.map(Number);
    assert.deepEqual(ids, [1, ...reference.greedy_from_bos]);
    assert.equal(tokenizer.decode(ids, { skip_special_tokens: true }), reference.greedy_text);
  } finally {
    await model.dispose();
  }
});
