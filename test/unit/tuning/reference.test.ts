// The soft prompt oracle: reproduces ../shared/models/stories260k-hf/reference-softprompt.json
// (numpy float64, independent of this code) on the real model: class scores, per-example and
// batch loss, dLoss/dP at P0, the loss after one Adam step, and manual-prompt dev scores.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { Adam } from '../../../src/engine/tuning/optim/adam';
import type { BatchExample } from '../../../src/engine/tuning/softprompt/batchFeeds';
import { exampleLoss, SoftPromptObjective } from '../../../src/engine/tuning/softprompt/objective';
import { promptIds } from '../../../src/engine/tuning/softprompt/placement';
import { openSoftPromptSessions, releaseSessions, type SoftPromptSessions } from '../../../src/engine/tuning/softprompt/softPromptSession';
import { loadTrainingGraph } from '../../../src/engine/tuning/softprompt/trainingGraph';
import { storiesHfDir, storiesModel } from '../helpers/fixtures';

interface RefExample {
  text: string;
  label: string;
  ids: number[];
  s_happy: number;
  s_sad: number;
  loss?: number;
}
interface Reference {
  n_virtual_tokens: number;
  P0: number[][];
  template: string;
  verbalizers: Record<string, { text: string; ids: number[] }>;
  train_examples: RefExample[];
  batch_loss: number;
  grad: number[][];
  manual_dev_examples: RefExample[];
  adam_step: { lr: number; beta1: number; beta2: number; eps: number; P1_loss: number };
}

const dir = storiesHfDir();
const skip = dir ? false : 'needs ../shared/models/stories260k-hf (absent)';
const TOL = 1e-4;
let ref: Reference;
let soft: SoftPromptSessions;
let plain: SoftPromptSessions;
let generation: SoftPromptSessions;
const labels = ['positive', 'negative'];

before(async () => {
  if (!dir) return;
  ref = JSON.parse(readFileSync(join(dir, 'reference-softprompt.json'), 'utf8'));
  const graph = loadTrainingGraph(dir);
  soft = await openSoftPromptSessions(graph, { numVirtualTokens: ref.n_virtual_tokens, loss: 'classification', device: 'cpu', gradient: true });
  plain = await openSoftPromptSessions(graph, { numVirtualTokens: 0, loss: 'classification', device: 'cpu', gradient: false });
  generation = await openSoftPromptSessions(graph, { numVirtualTokens: ref.n_virtual_tokens, loss: 'generation', device: 'cpu', gradient: true });
});

after(async () => {
  if (soft) await releaseSessions(soft);
  if (plain) await releaseSessions(plain);
  if (generation) await releaseSessions(generation);
});

const near = (got: number, want: number, what: string, tol = TOL) => assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, reference ${want}`);
const classTokens = () => labels.map((l) => ref.verbalizers[l]!.ids);
const examplesOf = (rows: RefExample[], virtual: number[]): BatchExample[] => rows.map((r) => ({ ids: [...virtual, ...r.ids], label: labels.indexOf(r.label) }));

test('our rendering and tokenization give the reference ids (virtual ids V..V+n-1 before BOS)', { skip }, () => {
  const tok = loadTokenizer(dir!);
  for (const [label, v] of Object.entries(ref.verbalizers)) assert.deepEqual(tok.encode(v.text, { addSpecialTokens: false }), v.ids, label);
  const ctx = { tokenizer: tok, vocabSize: soft.vocabSize, numVirtualTokens: ref.n_virtual_tokens };
  for (const ex of ref.train_examples) {
    const text = ref.template.replace('{text}', ex.text);
    assert.deepEqual(promptIds(ctx, text), [512, 513, 514, 515, ...ex.ids]);
  }
});

test('class scores, per-example and batch loss, and dLoss/dP at P0 match the oracle', { skip }, async () => {
  const objective = new SoftPromptObjective(soft, classTokens());
  const P0 = Float32Array.from(ref.P0.flat());
  const virtual = [512, 513, 514, 515];
  const r = await objective.lossAndGrad(P0, examplesOf(ref.train_examples, virtual));
  ref.train_examples.forEach((ex, e) => {
    near(r.classScores[2 * e]!, ex.s_happy, `train ${e} s_happy`);
    near(r.classScores[2 * e + 1]!, ex.s_sad, `train ${e} s_sad`);
    near(exampleLoss([r.classScores[2 * e]!, r.classScores[2 * e + 1]!], labels.indexOf(ex.label)), ex.loss!, `train ${e} loss`);
  });
  near(r.loss, ref.batch_loss, 'batch loss');
  const g = ref.grad.flat();
  let worst = 0;
  g.forEach((want, i) => {
    worst = Math.max(worst, Math.abs(r.grad![i]! - want));
  });
  assert.ok(worst <= TOL, `dLoss/dP max abs error ${worst}`);

  // One Adam step from P0 (lr 0.1, bias-corrected): P1 = P0 − 0.1·g/(|g|+1e-8).
  const s = ref.adam_step;
  const P1 = Float32Array.from(P0);
  new Adam(P1.length, { lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: s.eps }).step(P1, r.grad!);
  const after = await objective.evaluate(P1, examplesOf(ref.train_examples, virtual));
  near(after.loss, s.P1_loss, 'loss after one Adam step');
});

test('manual-prompt class scores of the dev rows (no soft prompt) match the oracle', { skip }, async () => {
  const objective = new SoftPromptObjective(plain, classTokens());
  const r = await objective.evaluate(undefined, examplesOf(ref.manual_dev_examples, []));
  ref.manual_dev_examples.forEach((ex, e) => {
    near(r.classScores[e]![0]!, ex.s_happy, `dev ${e} s_happy`);
    near(r.classScores[e]![1]!, ex.s_sad, `dev ${e} s_sad`);
  });
});

test('generation loss: mean CE over target tokens = −Σ (oracle log-probs of the gold verbalizers) / #tokens, with a gradient', { skip }, async () => {
  const objective = new SoftPromptObjective(generation, []);
  const virtual = [512, 513, 514, 515];
  const examples = ref.train_examples.map((r) => ({ ids: [...virtual, ...r.ids], target: ref.verbalizers[r.label === 'positive' ? 'positive' : 'negative']!.ids }));
  const r = await objective.lossAndGrad(Float32Array.from(ref.P0.flat()), examples);
  const gold = ref.train_examples.map((ex) => (ex.label === 'positive' ? ex.s_happy : ex.s_sad));
  const tokens = examples.reduce((n, ex) => n + ex.target.length, 0);
  near(r.loss, -gold.reduce((a, b) => a + b, 0) / tokens, 'generation loss');
  for (const [e, g] of gold.entries()) near(r.classScores[e]!, g, `example ${e} target log-prob`);
  // Directional finite difference along the gradient itself (float32: a large step, loose tolerance).
  const g = r.grad!;
  const norm = Math.hypot(...g);
  const h = 1e-2;
  const at = (sign: number) => Float32Array.from(ref.P0.flat(), (p, i) => p + (sign * h * g[i]!) / norm);
  const [plus, minus] = [await objective.evaluate(at(1), examples), await objective.evaluate(at(-1), examples)];
  const fd = (plus.loss - minus.loss) / (2 * h);
  assert.ok(Math.abs(fd - norm) < 2e-3 * norm + 1e-4, `directional derivative: finite difference ${fd}, gradient ${norm}`);
});

test('the KV-cache graph (an ONNX-only folder as from the hub) with empty past gives the same loss and gradient', { skip }, async () => {
  const kv = await openSoftPromptSessions(storiesModel(), { numVirtualTokens: ref.n_virtual_tokens, loss: 'classification', device: 'cpu', gradient: true });
  try {
    assert.equal(kv.pastInputs.length, 10);
    const r = await new SoftPromptObjective(kv, classTokens()).lossAndGrad(Float32Array.from(ref.P0.flat()), examplesOf(ref.train_examples, [512, 513, 514, 515]));
    near(r.loss, ref.batch_loss, 'batch loss');
    const worst = ref.grad.flat().reduce((m, want, i) => Math.max(m, Math.abs(r.grad![i]! - want)), 0);
    assert.ok(worst <= TOL, `dLoss/dP max abs error ${worst}`);
  } finally {
    await releaseSessions(kv);
  }
});
