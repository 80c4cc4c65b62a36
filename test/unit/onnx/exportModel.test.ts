import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseArgs } from '../../../src/cli/args';
import { exportCommand } from '../../../src/cli/commands/export';
import { readModelFile } from '../../../src/engine/onnx/codec';
import { ensureOnnxFolder, exportModel } from '../../../src/engine/onnx/export/exportModel';
import { ort, type OrtTensor } from '../../../src/engine/runtime/ort';
import { STORIES_ABSENT, sharedDir, storiesHfDir } from '../helpers/fixtures';

const work = mkdtempSync(join(tmpdir(), 'ps-export-'));
after(() => rmSync(work, { recursive: true, force: true }));
const hf = storiesHfDir();

/** A copy of stories260k-hf (optionally altered) in a fresh folder. */
function copyOfStories(name: string, alter?: (dir: string) => void): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(hf!)) copyFileSync(join(hf!, f), join(dir, f));
  alter?.(dir);
  return dir;
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): void {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  edit(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
}

const oneLine = (pattern: RegExp) => (e: Error) => pattern.test(e.message) && !e.message.includes('\n');

test('exportModel writes onnx/model.onnx with the transformers.js names, plus config and tokenizer files', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const out = join(work, 'out');
  const messages: number[] = [];
  await exportModel(hf, out, { onProgress: (f) => messages.push(f) });
  for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) assert.ok(existsSync(join(out, f)), f);
  const model = readModelFile(join(out, 'onnx', 'model.onnx'));
  assert.deepEqual(model.graph.inputs.slice(0, 4).map((i) => [i.name, i.dataType, i.shape]), [
    ['input_ids', 'int64', ['batch_size', 'sequence_length']],
    ['attention_mask', 'int64', ['batch_size', 'total_sequence_length']],
    ['position_ids', 'int64', ['batch_size', 'sequence_length']],
    ['past_key_values.0.key', 'float32', ['batch_size', 4, 'past_sequence_length', 8]],
  ]);
  assert.deepEqual(model.graph.outputs.map((o) => o.name).slice(0, 3), ['logits', 'present.0.key', 'present.0.value']);
  assert.equal(model.graph.outputs.length, 11);
  // The soft-prompt contract: one Gather(model.embed_tokens.weight, input_ids).
  const gathers = model.graph.nodes.filter((n) => n.inputs[0] === 'model.embed_tokens.weight' && n.opType === 'Gather');
  assert.equal(gathers.length, 1);
  assert.equal(gathers[0]!.inputs[1], 'input_ids');
  assert.ok(model.graph.nodes.every((n) => !n.domain), 'plain ai.onnx ops only');
  assert.equal(messages.at(-1), 1);
  // Exporting again replaces the folder atomically and leaves no temp folders behind.
  await exportModel(hf, out);
  assert.deepEqual(readdirSync(work).filter((f) => f.includes('.tmp-') || f.includes('.old-')), []);
});

test('bad inputs: one-line errors naming the file', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const out = join(work, 'never');
  const noConfig = copyOfStories('no-config', (d) => rmSync(join(d, 'config.json')));
  await assert.rejects(exportModel(noConfig, out), oneLine(new RegExp(`^${noConfig}/config\\.json: missing`)));
  const noWeights = copyOfStories('no-weights', (d) => rmSync(join(d, 'model.safetensors')));
  await assert.rejects(exportModel(noWeights, out), oneLine(new RegExp(`^${noWeights}/model\\.safetensors: missing`)));
  const badJson = copyOfStories('bad-json', (d) => writeFileSync(join(d, 'config.json'), '{"architectures": ['));
  await assert.rejects(exportModel(badJson, out), oneLine(/bad-json\/config\.json: not valid JSON/));
  const unsupported = copyOfStories('unsupported', (d) => editConfig(d, (c) => Object.assign(c, { architectures: ['MambaForCausalLM'], model_type: 'mamba' })));
  await assert.rejects(exportModel(unsupported, out), oneLine(/unsupported\/config\.json: unsupported architecture "MambaForCausalLM" \(supported: LlamaForCausalLM/));
  const truncated = copyOfStories('truncated', (d) => {
    const bytes = readFileSync(join(d, 'model.safetensors'));
    writeFileSync(join(d, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
  });
  await assert.rejects(exportModel(truncated, out), oneLine(/truncated\/model\.safetensors: tensor '.*': data_offsets .* run past the end/));
  const badHeader = copyOfStories('bad-header', (d) => writeFileSync(join(d, 'model.safetensors'), Buffer.from('not a safetensors file at all')));
  await assert.rejects(exportModel(badHeader, out), oneLine(/bad-header\/model\.safetensors: bad safetensors header/));
  const wrongShape = copyOfStories('wrong-shape', (d) => editConfig(d, (c) => Object.assign(c, { hidden_size: 32 })));
  await assert.rejects(exportModel(wrongShape, out), oneLine(/wrong-shape\/model\.safetensors: tensor 'model\.embed_tokens\.weight' has shape \[512,64\], config\.json implies \[512,32\]/));
  const badField = copyOfStories('bad-field', (d) => editConfig(d, (c) => Object.assign(c, { num_hidden_layers: 'five' })));
  await assert.rejects(exportModel(badField, out), oneLine(/bad-field\/config\.json: field 'num_hidden_layers' must be a positive integer, got "five"/));
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(work).filter((f) => f.includes('.tmp-')), [], 'failed exports leave nothing behind');
});

test('ensureOnnxFolder exports a safetensors-only folder once into the cache, safely under concurrency', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const cache = join(work, 'cache');
  const src = copyOfStories('cached-src');
  const results = await Promise.all([ensureOnnxFolder(src, cache), ensureOnnxFolder(src, cache), ensureOnnxFolder(src, cache)]);
  assert.equal(new Set(results).size, 1);
  const dir = results[0]!;
  assert.ok(dir.startsWith(join(cache, 'exported', 'cached-src-')));
  const modelPath = join(dir, 'onnx', 'model.onnx');
  const mtime = statSync(modelPath).mtimeMs;
  assert.equal(readModelFile(modelPath).graph.outputs[0]!.name, 'logits');
  assert.deepEqual(readdirSync(join(cache, 'exported')).filter((f) => f.includes('.tmp-')), []);
  // Reused without re-exporting.
  assert.equal(await ensureOnnxFolder(src, cache), dir);
  assert.equal(statSync(modelPath).mtimeMs, mtime);
  // A folder that has onnx/model*.onnx is used as it is.
  assert.equal(await ensureOnnxFolder(dir, cache), dir);
  // The key is the files' content: the same bytes with a new mtime reuse the export; a changed
  // weight, an edited config.json or a fixed tokenizer.json each get a new one.
  writeFileSync(join(src, 'model.safetensors'), readFileSync(join(src, 'model.safetensors')));
  const later = Date.now() / 1000 + 5;
  utimesSync(join(src, 'model.safetensors'), later, later);
  assert.equal(await ensureOnnxFolder(src, cache), dir);
  const seen = new Set([dir]);
  const weights = readFileSync(join(src, 'model.safetensors'));
  weights[weights.length - 1]! ^= 1;
  writeFileSync(join(src, 'model.safetensors'), weights);
  utimesSync(join(src, 'model.safetensors'), later, later);
  for (const edit of [() => weights, 'config.json', 'tokenizer.json'] as const) {
    if (typeof edit === 'string') writeFileSync(join(src, edit), `${readFileSync(join(src, edit), 'utf8')}\n`);
    const next = await ensureOnnxFolder(src, cache);
    assert.ok(!seen.has(next), `an edit of ${typeof edit === 'string' ? edit : 'the weights'} reused ${next}`);
    seen.add(next);
  }
  const empty = join(work, 'empty');
  mkdirSync(empty);
  await assert.rejects(ensureOnnxFolder(empty, cache), oneLine(/empty: no onnx\/model\*\.onnx and no model\.safetensors/));
  await assert.rejects(ensureOnnxFolder(join(work, 'nope'), cache), oneLine(/nope: no such folder/));
});

test('promptsmith export <src> --out <dir> writes the folder; usage errors for missing arguments', async (t) => {
  if (!hf) return t.skip(STORIES_ABSENT);
  const out = join(work, 'cli-out');
  const stderr = process.stderr.write;
  let progress = '';
  process.stderr.write = ((chunk: string) => {
    progress += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    assert.equal(await exportCommand.run(parseArgs([hf, '--out', out, '--no-past'], exportCommand.flags)), 0);
  } finally {
    process.stderr.write = stderr;
  }
  assert.match(progress, /\[100%\] exported to /);
  const model = readModelFile(join(out, 'onnx', 'model.onnx'));
  assert.deepEqual(model.graph.outputs.map((o) => o.name), ['logits']);
  await assert.rejects(exportCommand.run(parseArgs([hf], exportCommand.flags)), /missing --out/);
  await assert.rejects(exportCommand.run(parseArgs(['--out', out], exportCommand.flags)), /missing <src>/);
});

test('promptsmith export of a llama2.c checkpoint (.bin + tok512.bin) gives the same model as the HF export', async (t) => {
  const llama2c = sharedDir() && join(sharedDir()!, 'models', 'stories260k-llama2c');
  if (!hf || !llama2c || !existsSync(llama2c)) return t.skip('../shared/models/stories260k-llama2c is absent');
  const stderr = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  const fromFolder = join(work, 'llama2c-folder');
  const fromFile = join(work, 'llama2c-file');
  try {
    assert.equal(await exportCommand.run(parseArgs([llama2c, '--out', fromFolder], exportCommand.flags)), 0);
    assert.equal(await exportCommand.run(parseArgs([join(llama2c, 'stories260k.bin'), '--out', fromFile], exportCommand.flags)), 0);
  } finally {
    process.stderr.write = stderr;
  }
  const reference = JSON.parse(readFileSync(join(hf, 'reference.json'), 'utf8')) as { logits_pos0_top10: [number, number][] };
  for (const dir of [fromFolder, fromFile]) {
    assert.ok(existsSync(join(dir, 'tokenizer.json')));
    const session = await ort().InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
    try {
      const feeds: Record<string, OrtTensor> = {
        input_ids: new (ort().Tensor)('int64', BigInt64Array.from([1n]), [1, 1]),
        attention_mask: new (ort().Tensor)('int64', BigInt64Array.from([1n]), [1, 1]),
        position_ids: new (ort().Tensor)('int64', BigInt64Array.from([0n]), [1, 1]),
      };
      for (let i = 0; i < 5; i++) for (const k of ['key', 'value']) feeds[`past_key_values.${i}.${k}`] = new (ort().Tensor)('float32', new Float32Array(0), [1, 4, 0, 8]);
      const logits = (await session.run(feeds))['logits']!.data as Float32Array;
      for (const [id, value] of reference.logits_pos0_top10) assert.ok(Math.abs(logits[id]! - value) < 1e-4, `${dir}: logit ${id}`);
    } finally {
      await session.release();
    }
  }
  await assert.rejects(exportCommand.run(parseArgs([llama2c, '--out', fromFolder, '--no-past'], exportCommand.flags)), /--no-past applies to safetensors folders only/);
  await assert.rejects(exportCommand.run(parseArgs([join(work, 'missing'), '--out', fromFolder], exportCommand.flags)), /missing: no such file or folder/);
});
