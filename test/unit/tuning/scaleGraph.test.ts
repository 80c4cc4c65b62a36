// The pieces that make soft prompt tuning cheap at 135M, on the real stories260k graph: the LM
// head runs on the scored positions only (and gives the scores the full logits give), one
// session serves forward and gradient runs, and a batch split to fit the activation budget
// gives the same loss, gradient and scores as one run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import type { BatchExample } from '../../../src/engine/tuning/softprompt/batchFeeds';
import { appendLossHead } from '../../../src/engine/tuning/softprompt/lossHead';
import { SoftPromptObjective } from '../../../src/engine/tuning/softprompt/objective';
import { findLmHead } from '../../../src/engine/onnx/lmHead';
import { openSoftPromptSessions, releaseSessions, type SoftPromptSessions } from '../../../src/engine/tuning/softprompt/softPromptSession';
import { findEmbeddingGather, virtualTokenIds } from '../../../src/engine/tuning/softprompt/surgery';
import { STORIES_ABSENT, storiesHfDir, storiesTrainingModel } from '../helpers/fixtures';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
const N = 4;
const V = 512;
const CLASSES = [[301], [302, 40]];
let sessions: SoftPromptSessions;

/** Deterministic examples: virtual tokens, BOS, a few text ids; lengths vary. */
function examples(count: number, n = N): BatchExample[] {
  return Array.from({ length: count }, (_, e) => ({ ids: [...virtualTokenIds(V, n), 1, ...Array.from({ length: 5 + (e % 4) }, (_, i) => 10 + ((e * 37 + i * 11) % 400))], label: e % 2 }));
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const prompt = Float32Array.from({ length: N * 64 }, (_, i) => 0.3 * Math.sin(i * 1.7));

before(async () => {
  if (skip) return;
  sessions = await openSoftPromptSessions(storiesTrainingModel(), { numVirtualTokens: N, loss: 'classification', device: 'cpu', gradient: true });
});

after(async () => {
  if (sessions) await releaseSessions(sessions);
});

test('the loss graph runs the tied LM head on the gathered scored positions only: no full logits, no transposed table', { skip }, () => {
  const model = storiesTrainingModel();
  const head = findLmHead(model.graph, 'logits');
  assert.ok(head, 'the head is found');
  assert.deepEqual(
    head.chain.map((c) => c.node.opType),
    ['MatMul'],
  );
  const loss = appendLossHead(model, 'classification');
  const { table } = findEmbeddingGather(loss.graph);
  assert.equal(loss.graph.nodes.some((n) => n.outputs.includes('logits') || n.inputs.includes('logits')), false, 'nothing computes or reads the full logits');
  const gemm = loss.graph.nodes.find((n) => n.opType === 'Gemm')!;
  assert.deepEqual(gemm.inputs[1], table.name, 'the head reads the table itself');
  assert.equal(gemm.attributes['transB']?.value, 1);
  assert.equal(loss.graph.nodes.some((n) => n.opType === 'Transpose' && n.inputs[0] === table.name), false, 'no transposed copy of the table');
  assert.deepEqual(
    loss.graph.outputs.map((o) => o.name),
    ['loss', 'class_scores'],
  );
});

test('a head the walk does not recognise falls back to gathering full logits, with the same scores', { skip }, async () => {
  // logits behind a Reshape to their own shape: same numbers, but not a position-wise head op.
  const model = storiesTrainingModel();
  const raw = 'logits_raw';
  const nodes = model.graph.nodes.map((n) => (n.outputs[0] === 'logits' ? { ...n, outputs: [raw] } : n));
  nodes.push({ name: 'ShapeOfLogits', opType: 'Shape', inputs: [raw], outputs: ['logits_shape'], attributes: {} });
  nodes.push({ name: 'SameShape', opType: 'Reshape', inputs: [raw, 'logits_shape'], outputs: ['logits'], attributes: {} });
  const wrapped: OnnxModel = { ...model, graph: { ...model.graph, nodes } };
  assert.equal(findLmHead(wrapped.graph, 'logits'), undefined);
  const full = await openSoftPromptSessions(wrapped, { numVirtualTokens: N, loss: 'classification', device: 'cpu', gradient: true });
  try {
    const batch = examples(6);
    const [a, b] = [await new SoftPromptObjective(sessions, CLASSES).lossAndGrad(prompt, batch), await new SoftPromptObjective(full, CLASSES).lossAndGrad(prompt, batch)];
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `loss ${a.loss} vs ${b.loss}`);
    assert.ok(maxDiff(a.classScores, b.classScores) < 1e-4, `scores differ by ${maxDiff(a.classScores, b.classScores)}`);
    assert.ok(maxDiff(a.grad!, b.grad!) < 1e-5, `gradients differ by ${maxDiff(a.grad!, b.grad!)}`);
  } finally {
    await releaseSessions(full);
  }
});

test('one session: gradient runs and forward runs (gate off) give the same loss; the plain template runs without virtual ids', { skip }, async () => {
  assert.equal(sessions.differentiable, true);
  const objective = new SoftPromptObjective(sessions, CLASSES);
  const batch = examples(5);
  const withGrad = await objective.lossAndGrad(prompt, batch);
  const forward = await objective.evaluate(prompt, batch);
  assert.ok(Math.abs(withGrad.loss - forward.loss) < 1e-6, `${withGrad.loss} vs ${forward.loss}`);
  const plain = await objective.evaluate(undefined, examples(5, 0));
  assert.ok(Number.isFinite(plain.loss));
  await assert.rejects(objective.evaluate(undefined, batch), /virtual token id 512 but no soft prompt/);
});

test('a batch over the activation budget runs in groups: same loss, gradient and scores as one run (classification and generation)', { skip }, async () => {
  const batch = examples(7);
  const estimate = sessions.activationBytes!;
  const shape = { rows: 1, seqLen: 20, examples: 1, classes: 2, maxTokens: 2 };
  assert.ok(estimate({ ...shape, rows: 2, examples: 2 }) > estimate(shape) && estimate({ ...shape, seqLen: 40 }) > estimate(shape), 'the estimate grows with rows and length');
  for (const loss of ['classification', 'generation'] as const) {
    const one = await openSoftPromptSessions(storiesTrainingModel(), { numVirtualTokens: N, loss, device: 'cpu', gradient: true });
    // A budget below any single example's: every example runs alone.
    const split = { ...one, activationBudget: 1 };
    try {
      const data = loss === 'generation' ? batch.map((ex, e) => ({ ids: ex.ids, target: e % 2 ? [301] : [302, 40, 7] })) : batch;
      const a = await new SoftPromptObjective(one, CLASSES).lossAndGrad(prompt, data);
      const b = await new SoftPromptObjective(split, CLASSES).lossAndGrad(prompt, data);
      assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `${loss}: loss ${a.loss} vs ${b.loss}`);
      assert.equal(a.classScores.length, b.classScores.length);
      assert.ok(maxDiff(a.classScores, b.classScores) < 1e-4, `${loss}: scores differ by ${maxDiff(a.classScores, b.classScores)}`);
      const worst = maxDiff(a.grad!, b.grad!);
      assert.ok(worst < 1e-5, `${loss}: gradient differs by ${worst}`);
      const evalA = await new SoftPromptObjective(one, CLASSES).evaluate(prompt, data);
      const evalB = await new SoftPromptObjective(split, CLASSES).evaluate(prompt, data);
      assert.ok(Math.abs(evalA.loss - evalB.loss) < 1e-5, `${loss}: evaluation loss`);
    } finally {
      await releaseSessions(one);
    }
  }
});
