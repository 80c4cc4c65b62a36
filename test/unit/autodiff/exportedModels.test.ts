// The autodiff on whole exported graphs: the real stories260k Llama (training graph) and the
// tiny random GPT-2 and BERT models, each w.r.t. its embedding table, against finite differences.
import { join } from 'node:path';
import { test } from 'node:test';
import { readModelFile } from '../../../src/engine/onnx/codec';
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
