// The logits_positions input on the real stories260k export: fed empty, the rewritten graph
// gives exactly the plain graph's logits; fed positions, the log-softmax of the plain logits at
// those positions, from the LM head run on those rows only. Scoring through a LanguageModel (which
// opens the rewritten graph) equals scoring on the plain file, and a head that is not a product
// chain keeps its plain graph.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { readModelFile } from '../../../src/engine/onnx/codec';
import { LOGITS_POSITIONS, withScoredPositions } from '../../../src/engine/onnx/scoredPositions';
import { openCausalSession } from '../../../src/engine/runtime/causalSession';
import { openSession } from '../../../src/engine/runtime/executionProviders';
import { describeModel, forward, logSoftmaxRow } from '../../../src/engine/runtime/forward';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { scoreIds } from '../../../src/engine/runtime/scoring';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
let dir: string;
before(async () => {
  if (!skip) dir = await storiesOnnxDir();
});

const ids = [
  [1, 403, 407, 261, 70, 282, 30],
  [1, 94, 332, 416, 0, 0, 0],
];
const mask = ids.map((row) => row.map((id) => (id === 0 ? 0 : 1)));

test('fed no positions the rewritten graph gives the plain logits; fed positions, their log-softmax there', { skip }, async () => {
  const file = join(dir, 'onnx', 'model.onnx');
  const plain = await openSession(file, 'cpu');
  const causal = await openCausalSession(file, 'cpu');
  try {
    const plainIo = describeModel(plain.session, {}, file);
    const causalIo = describeModel(causal.session, {}, file);
    assert.equal(plainIo.hasLogitsPositions, false);
    assert.equal(causalIo.hasLogitsPositions, true, 'stories260k has a plain MatMul head');
    const full = await forward(plain.session, plainIo, { ids, attentionMask: mask, wantPresent: false });
    const same = await forward(causal.session, causalIo, { ids, attentionMask: mask, wantPresent: false });
    assert.deepEqual([same.batch, same.seq, same.vocab], [full.batch, full.seq, full.vocab]);
    assert.deepEqual(same.logits, full.logits);

    const at = [2, 6, 7 + 1, 7 + 3];
    for (const [session, io] of [
      [causal.session, causalIo],
      [plain.session, plainIo],
    ] as const) {
      const picked = await forward(session, io, { ids, attentionMask: mask, wantPresent: false, logitsAt: at });
      assert.deepEqual([picked.batch, picked.seq], [1, at.length]);
      // Log-probabilities either way: normalised in the graph, or picked out of the full logits
      // and normalised in forward().
      for (const [k, p] of at.entries()) {
        const row = picked.logits.subarray(k * full.vocab, (k + 1) * full.vocab);
        const expected = logSoftmaxRow(full.logits, p * full.vocab, full.vocab);
        if (!io.hasLogitsPositions) assert.deepEqual(row, Float32Array.from(expected), `position ${p}: the full logits' row, normalised`);
        else {
          const worst = row.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
          assert.ok(worst < 1e-4, `position ${p}: log-probabilities off by ${worst}`);
        }
      }
    }
    await assert.rejects(forward(causal.session, causalIo, { ids, logitsAt: [14] }), /logitsAt needs positions in \[0, 14\)/);
  } finally {
    await plain.session.release();
    await causal.session.release();
  }
});

test('scores through the model (rewritten graph) equal scores on the plain file', { skip }, async () => {
  const model = await LanguageModel.load(dir, { device: 'cpu' });
  const pairs = [
    { prompt: [1, 403, 407, 261], continuation: [70, 282] },
    { prompt: [1, 94], continuation: [332] },
    { prompt: [1, 94, 332, 416, 30], continuation: [261, 403, 407] },
  ];
  const viaModel = await model.withSession((active) => {
    assert.equal(active.io.hasLogitsPositions, true);
    return scoreIds(active, pairs, 0, { batchSize: 2 });
  });
  const file = join(dir, 'onnx', 'model.onnx');
  const plain = await openSession(file, 'cpu');
  try {
    const io = describeModel(plain.session, {}, file);
    const viaPlain = await scoreIds({ session: plain.session, io, provider: 'cpu', fallbacks: [] }, pairs, 0, { batchSize: 2 });
    for (const [i, s] of viaPlain.entries()) {
      for (const [j, v] of s.tokenLogprobs.entries()) assert.ok(Math.abs(v - viaModel[i]!.tokenLogprobs[j]!) < 1e-5, `pair ${i} token ${j}: ${v} vs ${viaModel[i]!.tokenLogprobs[j]}`);
    }
  } finally {
    await plain.session.release();
  }
});

test('a head that is not a product chain, or a graph already rewritten, is left alone', { skip }, () => {
  const b = new GraphBuilder();
  const hidden = b.input('hidden', 'float32', ['batch', 'seq', 4]);
  const w = b.constFloat(new Array(4 * 8).fill(0.1), [4, 8], 'head_weight');
  b.op('Relu', [b.op('MatMul', [hidden, w])], {}, { output: 'logits' });
  b.output('logits', 'float32', ['batch', 'seq', 8]);
  assert.equal(withScoredPositions(b.build()), undefined, 'Relu is not position-wise arithmetic the head may end with');

  const rewritten = withScoredPositions(readModelFile(join(dir, 'onnx', 'model.onnx')))!;
  assert.ok(rewritten.graph.inputs.some((i) => i.name === LOGITS_POSITIONS));
  assert.equal(withScoredPositions(rewritten), undefined, 'its head is now an If');
});
