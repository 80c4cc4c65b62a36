import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { inspectModelFolder, modelKindOf, resolveModelFolder } from '../../../src/engine/runtime/modelFolder';
import { chooseOnnxFile } from '../../../src/engine/runtime/onnxVariant';
import { identityModelBytes } from './identityModel';
import { skipNoStories, storiesHf } from './sharedModels';

const root = mkdtempSync(join(tmpdir(), 'modelfolder-'));
after(() => rmSync(root, { recursive: true, force: true }));

const llamaConfig = { architectures: ['LlamaForCausalLM'], model_type: 'llama', bos_token_id: 1, eos_token_id: 2 };

function layOut(dir: string, files: Record<string, string | Uint8Array>): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const complete = () => ({
  'config.json': JSON.stringify(llamaConfig),
  'tokenizer.json': '{}',
  'onnx/model.onnx': identityModelBytes(),
});

test('variants: fp32 by default, a named or suffix variant on request, clear error otherwise', () => {
  const files = ['config.json', 'onnx/model.onnx', 'onnx/model_q4.onnx', 'onnx/model_quantized.onnx'];
  assert.deepEqual(chooseOnnxFile(files, undefined, 'm'), { file: 'onnx/model.onnx', variant: 'fp32' });
  assert.deepEqual(chooseOnnxFile(files, 'q4', 'm'), { file: 'onnx/model_q4.onnx', variant: 'q4' });
  assert.deepEqual(chooseOnnxFile(files, 'q8', 'm'), { file: 'onnx/model_quantized.onnx', variant: 'q8' });
  assert.deepEqual(chooseOnnxFile(files, '_q4', 'm'), { file: 'onnx/model_q4.onnx', variant: '_q4' });
  assert.deepEqual(chooseOnnxFile(['onnx/model_fp16.onnx'], undefined, 'm').file, 'onnx/model_fp16.onnx');
  assert.throws(() => chooseOnnxFile(files, 'fp16', 'm'), /^RuntimeError: m: no ONNX file for variant 'fp16' \(found onnx\/model\.onnx, onnx\/model_q4\.onnx/);
  assert.throws(() => chooseOnnxFile(files, 'q3', 'm'), /unknown ONNX variant 'q3'/);
  assert.throws(() => chooseOnnxFile(['config.json'], undefined, 'm'), /m: no ONNX file \(expected onnx\/model\.onnx/);
});

test('a complete folder resolves with kind, variant and generation config', async () => {
  const dir = layOut(join(root, 'complete'), { ...complete(), 'generation_config.json': JSON.stringify({ eos_token_id: [2, 7], max_length: 64 }) });
  const m = await resolveModelFolder(dir);
  assert.equal(m.dir, dir);
  assert.equal(m.onnxFile, join(dir, 'onnx/model.onnx'));
  assert.equal(m.kind, 'causal');
  assert.equal(m.architecture, 'LlamaForCausalLM');
  assert.deepEqual(m.generation.eosTokenIds, [2, 7]);
  assert.equal(m.generation.bosTokenId, 1);
  assert.equal(m.generation.maxLength, 64);
});

test('missing files are one-line errors naming the file', async () => {
  const noConfig = layOut(join(root, 'noconfig'), { 'tokenizer.json': '{}', 'onnx/model.onnx': identityModelBytes() });
  await assert.rejects(resolveModelFolder(noConfig), { message: `${join(noConfig, 'config.json')}: file not found` });
  const noTok = layOut(join(root, 'notok'), { 'config.json': JSON.stringify(llamaConfig), 'onnx/model.onnx': identityModelBytes() });
  await assert.rejects(resolveModelFolder(noTok), { message: `${join(noTok, 'tokenizer.json')}: file not found` });
  const noOnnx = layOut(join(root, 'noonnx'), { 'config.json': JSON.stringify(llamaConfig), 'tokenizer.json': '{}' });
  await assert.rejects(resolveModelFolder(noOnnx), new RegExp(`^RuntimeError: ${noOnnx}: no ONNX file`));
  const badJson = layOut(join(root, 'badjson'), { ...complete(), 'config.json': '{"architectures": [' });
  await assert.rejects(resolveModelFolder(badJson), (e: Error) => e.message.startsWith(`${join(badJson, 'config.json')}: not valid JSON`) && !e.message.includes('\n'));
  const empty = layOut(join(root, 'emptyonnx'), { ...complete(), 'onnx/model.onnx': '' });
  await assert.rejects(resolveModelFolder(empty), { message: `${join(empty, 'onnx/model.onnx')}: file is empty` });
  await assert.rejects(resolveModelFolder(join(root, 'nope', 'x')), /no such folder, and not a hub id/);
});

test('causal vs masked detection; unsupported architectures name config.json', () => {
  assert.equal(modelKindOf({ architectures: ['GPT2LMHeadModel'] }, 'c').kind, 'causal');
  assert.equal(modelKindOf({ architectures: ['BertForMaskedLM'] }, 'c').kind, 'masked');
  assert.equal(modelKindOf({ model_type: 'roberta' }, 'c').kind, 'masked');
  assert.throws(() => modelKindOf({ architectures: ['BertForSequenceClassification'] }, '/m/config.json'), /^RuntimeError: \/m\/config\.json: unsupported architecture 'BertForSequenceClassification'/);
  const dir = layOut(join(root, 'masked'), { ...complete(), 'config.json': JSON.stringify({ architectures: ['BertForMaskedLM'] }) });
  assert.equal(inspectModelFolder(dir, dir).kind, 'masked');
});

test('a safetensors-only folder is exported once into the cache, with progress', { skip: skipNoStories }, async () => {
  const cacheDir = join(root, 'export-cache');
  const progress: string[] = [];
  const first = await resolveModelFolder(storiesHf, { cacheDir, onProgress: (p) => progress.push(p.phase) });
  assert.ok(first.dir.startsWith(join(cacheDir, 'exported')), first.dir);
  assert.equal(first.onnxFile, join(first.dir, 'onnx', 'model.onnx'));
  assert.equal(first.architecture, 'LlamaForCausalLM');
  assert.ok(progress.length > 0 && progress.every((p) => p === 'export'));
  const again: string[] = [];
  const second = await resolveModelFolder(storiesHf, { cacheDir, onProgress: (p) => again.push(p.phase) });
  assert.equal(second.dir, first.dir);
  assert.deepEqual(again, [], 'the cached export is reused');
});

test('corrupt checkpoints and ONNX files are one-line errors naming the file', { skip: skipNoStories }, async () => {
  const trunc = layOut(join(root, 'truncated-st'), {
    'config.json': readFileSync(join(storiesHf, 'config.json'), 'utf8'),
    'tokenizer.json': readFileSync(join(storiesHf, 'tokenizer.json'), 'utf8'),
    'model.safetensors': readFileSync(join(storiesHf, 'model.safetensors')).subarray(0, 5000),
  });
  await assert.rejects(resolveModelFolder(trunc, { cacheDir: join(root, 'export-cache') }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_BAD_MODEL');
    assert.ok(e.message.includes(join(trunc, 'model.safetensors')), e.message);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  const badOnnx = layOut(join(root, 'truncated-onnx'), {
    'config.json': JSON.stringify(llamaConfig),
    'tokenizer.json': readFileSync(join(storiesHf, 'tokenizer.json'), 'utf8'),
    'onnx/model.onnx': identityModelBytes().subarray(0, 30),
  });
  await assert.rejects(LanguageModel.load(badOnnx, { device: 'cpu' }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_BAD_MODEL');
    assert.ok(e.message.startsWith(`${join(badOnnx, 'onnx', 'model.onnx')}: ONNX Runtime cannot load it`), e.message);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

test("a hosted Genkit model id is refused at once, naming why, without touching the network or the hub cache", async () => {
  const calls: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((url: string | URL) => {
    calls.push(String(url));
    return realFetch(url);
  }) as typeof fetch;
  const cache = join(root, 'hub-cache-untouched');
  try {
    await assert.rejects(resolveModelFolder('googleai/gemini-2.5-flash', { hubCacheDir: cache, offline: false }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_MODEL_NOT_FOUND');
      assert.match(err.message, /Genkit model id \(provider 'googleai'\); Promptsmith runs local models .* never downloads this one/);
      return true;
    });
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(calls, []);
  assert.throws(() => readFileSync(cache), /ENOENT/);
});
