// The exported model loads and generates in transformers.js (what users of the HF layout expect).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { exportModel } from '../../../src/engine/onnx/export/exportModel';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';

async function checkGeneration(hf: string, dir: string): Promise<void> {
  const reference = JSON.parse(readFileSync(join(hf, 'reference.json'), 'utf8')) as { greedy_from_bos: number[]; greedy_text: string };
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
}

test('transformers.js loads the exported stories260k and greedy generation matches reference.json', async (t) => {
  const hf = storiesHfDir();
  if (!hf) return t.skip(STORIES_ABSENT);
  await checkGeneration(hf, await storiesOnnxDir());
});

test('transformers.js also loads an export with external data (onnx/model.onnx_data)', async (t) => {
  const hf = storiesHfDir();
  if (!hf) return t.skip(STORIES_ABSENT);
  const work = mkdtempSync(join(tmpdir(), 'ps-tjs-'));
  try {
    const dir = join(work, 'stories-external');
    await exportModel(hf, dir, { externalData: true });
    assert.ok(existsSync(join(dir, 'onnx', 'model.onnx_data')));
    await checkGeneration(hf, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
