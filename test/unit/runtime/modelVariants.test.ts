// Half-precision and quantized variants, as users download them (onnx-community model_fp16 /
// model_quantized / model_q4 …), made here from the tiny random Llama (see helpers/modelVariants):
// each one runs and scores close to the fp32 model it was made from; a soft prompt works on each
// (the adapter's rows read through the surgery give the logits the real ids give); gradients
// come for float weights (fp16 and bf16 in float32, QDQ weights expanded by DequantizeLinear)
// and a quantized graph is refused with a message that names what to use.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readModelFile } from '../../../src/engine/onnx/codec';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import { floatValues } from '../../../src/engine/onnx/tensorTypes';
import { forward } from '../../../src/engine/runtime/forward';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { score } from '../../../src/engine/runtime/scoring';
import { SoftPromptObjective } from '../../../src/engine/tuning/softprompt/objective';
import { feedingSoftPrompt, softPromptDecoder } from '../../../src/engine/tuning/softprompt/softPromptDecoder';
import { openSoftPromptSessions, releaseSessions } from '../../../src/engine/tuning/softprompt/softPromptSession';
import { findEmbeddingGather } from '../../../src/engine/tuning/softprompt/surgery';
import { tinyModelDir } from '../helpers/fixtures';
import { convertModel, VARIANT_FILE_SUFFIX, type VariantKind, writeVariantFolder } from '../helpers/modelVariants';

const KINDS: VariantKind[] = ['fp16', 'bf16', 'q8', 'q4', 'int4qdq', 'uint16qdq'];
/** How far a variant's log-probs may be from fp32's, relative to their size. */
const TOLERANCE: Record<VariantKind, number> = { fp16: 1e-3, bf16: 3e-3, q8: 1e-2, q4: 3e-2, int4qdq: 3e-2, uint16qdq: 1e-4 };
const tmp = mkdtempSync(join(tmpdir(), 'ps-variants-'));
let src: string;
let fp32: OnnxModel;
let dir: string;

before(() => {
  src = tinyModelDir('llama');
  fp32 = readModelFile(join(src, 'onnx', 'model.onnx'));
  dir = writeVariantFolder(src, fp32, join(tmp, 'variants'), KINDS);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const variantName = (kind: VariantKind) => VARIANT_FILE_SUFFIX[kind];

test('the variant files hold what published ones do: float16, bfloat16, int8 MatMulInteger, MatMulNBits, int4 and uint16 weights', () => {
  const types = (kind: VariantKind) => new Set(readModelFile(join(dir, 'onnx', `model${VARIANT_FILE_SUFFIX[kind]}.onnx`)).graph.initializers.map((t) => t.dataType));
  const ops = (kind: VariantKind) => new Set(readModelFile(join(dir, 'onnx', `model${VARIANT_FILE_SUFFIX[kind]}.onnx`)).graph.nodes.map((n) => n.opType));
  assert.ok(types('fp16').has('float16') && !types('fp16').has('float32'));
  assert.ok(types('bf16').has('bfloat16'));
  assert.ok(ops('q8').has('MatMulInteger') && ops('q8').has('DynamicQuantizeLinear') && types('q8').has('int8'));
  assert.ok(ops('q4').has('MatMulNBits'));
  assert.ok(types('int4qdq').has('int4') && ops('int4qdq').has('DequantizeLinear'));
  assert.ok(types('uint16qdq').has('uint16'));
});

test('every variant runs and scores close to the fp32 model it was made from', async () => {
  const prompts = ['Once upon a time', 'The cat said', 'Lily and her mom went'];
  const continuations = [' there was', ' hello', ' to the store'];
  const ref = (await score(await LanguageModel.load(src, { device: 'cpu' }), prompts, continuations)).items;
  for (const kind of KINDS) {
    const model = await LanguageModel.load(dir, { device: 'cpu', variant: variantName(kind) });
    assert.ok(model.folder.onnxFile.endsWith(`model${VARIANT_FILE_SUFFIX[kind]}.onnx`), model.folder.onnxFile);
    const got = (await score(model, prompts, continuations)).items;
    got.forEach((item, i) => {
      const want = ref[i]!.logprob;
      assert.ok(Math.abs(item.logprob - want) <= TOLERANCE[kind] * Math.max(1, Math.abs(want)), `${kind} item ${i}: ${item.logprob} vs fp32 ${want}`);
    });
  }
});

test('a soft prompt on each variant: virtual tokens holding the embedding rows of real ids give the logits of those ids', async () => {
  for (const kind of KINDS) {
    const model = await LanguageModel.load(dir, { device: 'cpu', variant: variantName(kind) });
    const lookup = findEmbeddingGather(readModelFile(model.folder.onnxFile).graph);
    const table = floatValues(lookup.table);
    const d = lookup.table.dims[1]!;
    const V = lookup.table.dims[0]!;
    const words = [40, 41, 77];
    const embeddings = new Float32Array(words.length * d);
    for (const [i, id] of words.entries()) embeddings.set(table.subarray(id * d, (id + 1) * d), i * d);
    const prefix = [1, 30, 31];
    await model.withSession(async (active) => {
      const decoder = await softPromptDecoder(model, words.length);
      const viaSoft = await forward(feedingSoftPrompt(decoder, embeddings), active.io, { ids: [[...prefix, ...words.map((_, i) => V + i)]], wantPresent: false });
      const viaIds = await forward(active.session, active.io, { ids: [[...prefix, ...words]], wantPresent: false });
      const worst = viaIds.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - viaSoft.logits[i]!)), 0);
      assert.ok(worst < 1e-3, `${kind}: logits differ by ${worst}`);
    });
  }
});

test('soft prompt tuning sessions: every variant evaluates; fp16, bf16 and QDQ weights differentiate; q8 and q4 are refused with what to use', async () => {
  const examples = [
    { ids: [320, 321, 1, 40, 50, 60], label: 0 },
    { ids: [320, 321, 1, 45, 55], label: 1 },
  ];
  const classes = [[100], [200]];
  const prompt = Float32Array.from({ length: 2 * 32 }, (_, i) => 0.1 * Math.sin(i));
  const run = async (model: OnnxModel) => {
    const s = await openSoftPromptSessions(model, { numVirtualTokens: 2, loss: 'classification', device: 'cpu', gradient: true });
    try {
      const objective = new SoftPromptObjective(s, classes);
      const evaluation = await objective.evaluate(prompt, examples);
      return { s, loss: evaluation.loss, grad: s.differentiable ? (await objective.lossAndGrad(prompt, examples)).grad : undefined };
    } finally {
      await releaseSessions(s);
    }
  };
  const ref = await run(fp32);
  for (const kind of KINDS) {
    const got = await run(convertModel(fp32, kind));
    assert.ok(Math.abs(got.loss - ref.loss) <= 10 * TOLERANCE[kind], `${kind}: loss ${got.loss} vs ${ref.loss}`);
    if (kind === 'q8' || kind === 'q4') {
      assert.equal(got.grad, undefined, `${kind} has no gradient`);
      assert.match(got.s.autodiffError ?? '', /quantized model \((MatMulNBits|MatMulInteger|DynamicQuantizeLinear)\).*fp32 or fp16 variant.*BBT/);
      continue;
    }
    const norm = Math.hypot(...ref.grad!);
    const diff = Math.hypot(...got.grad!.map((g, i) => g - ref.grad![i]!));
    assert.ok(diff <= 30 * TOLERANCE[kind] * norm, `${kind}: gradient off by ${diff} (norm ${norm})`);
  }
});
