// The exported tiny GPT-2 and BERT load in transformers.js (what users of the HF layout expect):
// greedy generation through its KV-cache loop agrees with our full-sequence logits, and its
// masked-LM logits equal a direct ORT run.
import assert from 'node:assert/strict';
import { basename, dirname } from 'node:path';
import { test } from 'node:test';
import { ort } from '../../../src/engine/runtime/ort';
import { tinyModelDir } from '../helpers/fixtures';
import { assertClose, int64, openSession, readConfig, row, runFull } from './tinyDecoding';

type Transformers = typeof import('@huggingface/transformers');

async function transformers(dir: string): Promise<Transformers> {
  // Loaded from node_modules at run time: the library needs its own files, so it is not bundled.
  const specifier = '@huggingface/transformers';
  const lib = (await import(specifier)) as Transformers;
  lib.env.allowRemoteModels = false;
  lib.env.localModelPath = `${dirname(dir)}/`;
  return lib;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

test('transformers.js generates greedily with the exported tiny GPT-2, matching our logits', async () => {
  const dir = tinyModelDir('gpt2');
  const { AutoTokenizer, AutoModelForCausalLM } = await transformers(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
  const model = await AutoModelForCausalLM.from_pretrained(basename(dir), { dtype: 'fp32', device: 'cpu' });
  try {
    const inputs = tokenizer('Once upon a time');
    const out = (await model.generate({ ...inputs, max_new_tokens: 12, do_sample: false })) as { tolist(): bigint[][] };
    const ids = out.tolist()[0]!.map(Number);
    const prompt = Array.from(inputs.input_ids.data as BigInt64Array, Number);
    assert.deepEqual(ids.slice(0, prompt.length), prompt);
    assert.equal(ids.length, prompt.length + 12);
    // Each generated token is the argmax of our full-sequence logits at the previous position.
    const logits = await runFull(await openSession(dir), readConfig(dir), [ids]);
    for (let t = prompt.length; t < ids.length; t++) assert.equal(ids[t], argmax(row(logits, 0, t - 1)), `token ${t}`);
  } finally {
    await model.dispose();
  }
});

test('transformers.js masked-LM logits of the exported tiny BERT equal a direct ORT run', async () => {
  const dir = tinyModelDir('bert');
  const { AutoTokenizer, AutoModelForMaskedLM } = await transformers(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
  const model = await AutoModelForMaskedLM.from_pretrained(basename(dir), { dtype: 'fp32', device: 'cpu' });
  try {
    const inputs = tokenizer('the cat was [MASK] in the park.');
    const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number);
    assert.ok(ids.includes(4), 'the [MASK] token is in the input');
    const theirs = (await model(inputs)) as { logits: { data: Float32Array } };
    const session = await ort().InferenceSession.create(`${dir}/onnx/model.onnx`);
    const ours = await session.run({ input_ids: int64([ids]), attention_mask: int64([ids.map(() => 1)]), token_type_ids: int64([ids.map(() => 0)]) });
    assertClose(theirs.logits.data, ours.logits.data as Float32Array, 1e-5, 'logits');
  } finally {
    await model.dispose();
  }
});
