// The autodiff on whole exported graphs: the real stories260k Llama (training graph) and the
// tiny random GPT-2 and BERT models, each w.r.t. its embedding table, against finite differences.
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGradientGraph } from '../../../src/engine/autodiff/gradientGraph';
import { encodeModel, readModelFile } from '../../../src/engine/onnx/codec';
import { ort } from '../../../src/engine/runtime/ort';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import { STORIES_ABSENT, storiesHfDir, storiesTrainingModel, tinyModelDir } from '../helpers/fixtures';
import { checkModelGradient, decoderFeeds, toFloat64, withLogitsLoss } from './modelGradCheck';

const IDS = [1, 403, 261, 403, 19, 7];

test('stories260k: d loss / d model.embed_tokens.weight matches finite differences', async (t) => {
  if (!storiesHfDir()) return t.skip(STORIES_ABSENT);
  const model = withLogitsLoss(toFloat64(storiesTrainingModel()), 512);
  const d = 64;
  // Rows of tokens in the input (403 twice), and rows only reached through the tied head.
  const coords = [403 * d + 3, 261 * d + 60, 1 * d, 7 * d + 31, 100 * d + 5, 511 * d + 63];
  await checkModelGradient(model, decoderFeeds(model, IDS), 'model.embed_tokens.weight', coords);
});

test('tiny random GPT-2 (LayerNormalization, tanh GELU, learned positions) and BERT (Erf GELU)', async () => {
  const gpt2 = withLogitsLoss(toFloat64(readModelFile(join(tinyModelDir('gpt2'), 'onnx', 'model.onnx'))), 300);
  await checkModelGradient(gpt2, decoderFeeds(gpt2, [5, 77, 5, 200]), 'transformer.wte.weight', [5 * 32, 77 * 32 + 31, 299 * 32 + 7]);
  await checkModelGradient(gpt2, decoderFeeds(gpt2, [5, 77, 5, 200]), 'transformer.wpe.weight', [0, 3 * 32 + 4]);
  const bertSource = readModelFile(join(tinyModelDir('bert'), 'onnx', 'model.onnx'));
  const vocab = Number(bertSource.graph.outputs.find((o) => o.name === 'logits')!.shape!.at(-1));
  // ORT has no double Erf kernel: BERT is checked in float32.
  const bert = withLogitsLoss(bertSource, vocab);
  await checkModelGradient(bert, decoderFeeds(bert, [2, 17, 9, 3]), 'bert.embeddings.word_embeddings.weight', [17 * 32 + 1, 9 * 32 + 30]);
});

/** The opset-13 spelling of an opset-18 graph: Reduce* axes as attributes, Split without num_outputs. */
function toOpset13(model: OnnxModel): OnnxModel {
  const constants = new Map(model.graph.initializers.map((t) => [t.name, Array.from(t.data as BigInt64Array, Number)]));
  const nodes = model.graph.nodes.map((n) => {
    if (n.opType.startsWith('Reduce') && n.opType !== 'ReduceSum' && n.inputs[1]) {
      return { ...n, inputs: [n.inputs[0]!], attributes: { ...n.attributes, axes: { type: 'ints' as const, value: constants.get(n.inputs[1])! } } };
    }
    if (n.opType === 'Split' && n.attributes['num_outputs']) {
      const { num_outputs: _, ...rest } = n.attributes;
      return { ...n, attributes: rest };
    }
    return n;
  });
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const initializers = model.graph.initializers.filter((t) => used.has(t.name));
  return { ...model, opsetImports: [{ domain: '', version: 13 }], graph: { ...model.graph, nodes, initializers } };
}

test('tiny random Llama in its opset-13 form (as older HF exports): attribute axes, one-hot Gather gradient', async () => {
  const llama = withLogitsLoss(toOpset13(toFloat64(readModelFile(join(tinyModelDir('llama'), 'onnx', 'model.onnx')))), 320);
  await checkModelGradient(llama, decoderFeeds(llama, [1, 40, 40, 300, 7]), 'model.embed_tokens.weight', [40 * 32 + 3, 300 * 32 + 31, 2 * 32]);
});

test('float32 gradient graphs under full ORT optimizations (fusions on) agree with float64', async () => {
  const { InferenceSession } = ort();
  for (const [kind, table, vocab] of [['gpt2', 'transformer.wte.weight', 300], ['llama', 'model.embed_tokens.weight', 320]] as const) {
    const source = readModelFile(join(tinyModelDir(kind), 'onnx', 'model.onnx'));
    const run = async (model: OnnxModel, options: object) => {
      const withLoss = withLogitsLoss(model, vocab);
      const session = await InferenceSession.create(encodeModel(buildGradientGraph(withLoss, { wrt: [table], loss: 'loss' })), options);
      return Array.from((await session.run(decoderFeeds(withLoss, [3, 9, 3, 100])))[`${table}_grad`]!.data as ArrayLike<number>);
    };
    const fast = await run(source, { graphOptimizationLevel: 'all' });
    const exact = await run(toFloat64(source), { graphOptimizationLevel: 'basic' });
    const scale = Math.max(...exact.map(Math.abs));
    const worst = Math.max(...exact.map((v, i) => Math.abs(v - fast[i]!)));
    assert.ok(scale > 0 && worst <= 1e-4 * scale, `${kind}: float32 gradient off by ${worst} (largest entry ${scale})`);
  }
});
