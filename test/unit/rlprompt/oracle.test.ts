// The RLPrompt oracle: reproduces ../shared/models/stories260k-hf/reference-rlprompt.json (one
// training step of the reference code's default configuration, numpy float64, independent of
// this code) on the real model: the policy's state and distribution at BOS, the prompts drawn
// from the stored uniforms, the rewards, the soft Q-learning loss and its gradient, the clipped
// Adam step, the loss after it and the Polyak-updated target.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readSafetensors } from '../../../src/engine/onnx/safetensors';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { LocalTaskScorer } from '../../../src/engine/tasks/localTaskScorer';
import { Adam } from '../../../src/engine/tuning/optim/adam';
import { clipGradNorm, MlpParams, polyakUpdate } from '../../../src/engine/tuning/rlprompt/mlpParams';
import { RlPolicy } from '../../../src/engine/tuning/rlprompt/policy';
import { MLP_PARAMS } from '../../../src/engine/tuning/rlprompt/policyHead';
import { classificationReward, shapeRewards } from '../../../src/engine/tuning/rlprompt/reward';
import { StoredUniforms } from '../../../src/engine/tuning/rlprompt/sampler';
import { rowLogSumExp, sqlTargets } from '../../../src/engine/tuning/rlprompt/softQLearning';
import { storiesHfDir, storiesModel, storiesOnnxDir } from '../helpers/fixtures';

type Entry = [number, number[], number];
interface Step {
  u: number;
  action: number;
  chosen_logit: number;
  logsumexp: number;
  topk_margin: number;
  state_first4: number[];
}
interface Reference {
  config: Record<string, unknown>;
  policy: { state0: number[]; step0_top5: [number, number][]; step0_logsumexp: number; prompts: { ids: number[]; steps: Step[] }[] };
  reward: {
    rows: { text: string; label: string }[];
    per_prompt: { rows: { s_happy: number; s_sad: number; reward: number }[]; mean_reward: number }[];
    mean: number;
    std: number;
    zscored: number[];
    shaped: number[];
  };
  sql: { loss: number; per_step: { A: number[][]; V_: number[][] }; grad_norms: Record<string, number>; grad_total_norm: number; grad_entries: Record<string, Entry[]> };
  optimizer_step: {
    clip_coef: number;
    params_after: Record<string, Entry[]>;
    loss_after_step: number;
    loss_after_step_polyak_target: number;
    target_after_polyak: Record<string, Entry[]>;
  };
}

const dir = storiesHfDir();
const skip = dir ? false : 'needs ../shared/models/stories260k-hf (absent)';
let ref: Reference;
let policy: RlPolicy;
let model: LanguageModel;
let init: MlpParams;
const T = 5;
const B = 16;
const noBias = new Float32Array(512);

function rel(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, reference ${want}`);
}
const refIds = () => ref.policy.prompts.map((p) => p.ids);

before(async () => {
  if (!dir) return;
  ref = JSON.parse(readFileSync(join(dir, 'reference-rlprompt.json'), 'utf8'));
  const file = readSafetensors(join(dir, 'reference-rlprompt-mlp.safetensors'));
  init = MlpParams.fromTensors(64, 2048, Object.fromEntries(MLP_PARAMS.map((n) => [n, file.float32(n)])));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  policy = await RlPolicy.open(storiesModel(), { device: 'cpu', mlpHidden: 2048, promptLength: T, residual: false, startIds: [1], config });
  model = await LanguageModel.load(await storiesOnnxDir(), { device: 'cpu' });
});

after(async () => {
  await policy?.release();
});

test('the exposed last hidden state after BOS and the policy distribution there match the oracle', { skip }, async () => {
  const s0 = await policy.startState0();
  for (const [i, v] of ref.policy.state0.entries()) rel(s0[i]!, v, 1e-5, `state0[${i}]`);
  const logits = await policy.logits(init, s0, 1, noBias);
  const lse = rowLogSumExp(logits, 1, 512)[0]!;
  rel(lse, ref.policy.step0_logsumexp, 1e-6, 'logsumexp at step 0');
  // The five largest logits, in order: the MLP output is tiny at init (≈ −1e-4 · row sums of E).
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
  ref.policy.step0_top5.forEach(([id, z], k) => {
    assert.equal(order[k], id, `top ${k + 1} at step 0`);
    assert.ok(Math.abs(logits[id]! - z) <= 1e-9, `logit of ${id} at step 0: got ${logits[id]}, reference ${z}`);
  });
});

test('prompts drawn with top-k 256 from the stored uniforms are the oracle prompts, with their states and logits', { skip }, async () => {
  const uniforms: number[] = [];
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) uniforms.push(ref.policy.prompts[b]!.steps[t]!.u);
  const sampled = await policy.sample(init, B, 256, noBias, new StoredUniforms(uniforms));
  const logits = await policy.logits(init, sampled.states, B * T, noBias);
  const lse = rowLogSumExp(logits, B * T, 512);
  ref.policy.prompts.forEach((p, b) => {
    assert.deepEqual(sampled.ids[b], p.ids, `prompt ${b}`);
    p.steps.forEach((s, t) => {
      const row = b * T + t;
      for (const [k, v] of s.state_first4.entries()) rel(sampled.states[row * 64 + k]!, v, 1e-5, `state[${b}][${t}][${k}]`);
      rel(logits[row * 512 + s.action]!, s.chosen_logit, 1e-5, `chosen logit [${b}][${t}]`);
      rel(lse[row]!, s.logsumexp, 1e-6, `logsumexp [${b}][${t}]`);
    });
  });
});

test('class scores and gap rewards of the 16 prompts on 8 train rows, z-scored and shaped, match the oracle', { skip }, async () => {
  const scorer = new LocalTaskScorer(model, [' happy', ' sad']);
  const examples = ref.reward.rows.map((r) => ({ before: r.text, after: '', label: r.label === 'positive' ? 0 : 1 }));
  const scores = await scorer.classScores(refIds().map((ids) => ({ text: '', ids })), examples);
  assert.equal(scorer.evaluations, 16 * 8);
  const rewards = scores.map((perExample, p) => {
    perExample.forEach((s, e) => {
      const want = ref.reward.per_prompt[p]!.rows[e]!;
      rel(s[0]!, want.s_happy, 1e-4, `s_happy[${p}][${e}]`);
      rel(s[1]!, want.s_sad, 1e-4, `s_sad[${p}][${e}]`);
    });
    const r = classificationReward(perExample, examples.map((e) => e.label), { lambda1: 180, lambda2: 200 });
    rel(r.reward, ref.reward.per_prompt[p]!.mean_reward, 1e-4, `reward[${p}]`);
    return r.reward;
  });
  const shaped = shapeRewards(rewards, { eps: 1e-4, stdFloor: 0, scale: 5 });
  rel(shaped.mean, ref.reward.mean, 1e-5, 'mean reward');
  rel(shaped.std, ref.reward.std, 1e-4, 'std of rewards');
  for (const [p, v] of shaped.shaped.entries()) rel(v, ref.reward.shaped[p]!, 1e-4, `shaped[${p}]`);
});

/** The oracle's batch: its prompts, our states for them (teacher forcing), its shaped rewards. */
async function oracleBatch() {
  let t = 0;
  const ids = refIds();
  const replay = await policy.rollout(init, B, noBias, (_l, _o, b, step) => {
    t++;
    return ids[b]![step]!;
  });
  assert.equal(t, B * T);
  return replay;
}

async function lossAt(params: MlpParams, target: MlpParams, batch: Awaited<ReturnType<typeof oracleBatch>>) {
  const targetLogits = await policy.logits(target, batch.states, B * T, noBias);
  const targets = sqlTargets(rowLogSumExp(targetLogits, B * T, 512), ref.reward.shaped, T);
  return policy.sqlLossAndGrad(params, { states: batch.states, ids: batch.ids, ...targets }, noBias);
}

function entries(values: Record<string, ArrayLike<number>>, want: Record<string, Entry[]>, tol: number, what: string) {
  for (const [name, list] of Object.entries(want)) {
    for (const [flat, , v] of list) rel(values[name]![flat]!, v, tol, `${what} ${name}[${flat}]`);
  }
}

test('the soft Q-learning loss and its gradient w.r.t. the MLP (ORT + autodiff) match the oracle', { skip }, async () => {
  const batch = await oracleBatch();
  const r = await lossAt(init, init, batch);
  rel(r.loss, ref.sql.loss, 1e-5, 'SQL loss');
  for (const [b, row] of ref.sql.per_step.A.entries()) for (const [t, a] of row.entries()) rel(r.logProbs[b * T + t]!, a, 1e-5, `A[${b}][${t}]`);
  const views = new MlpParams(64, 2048, Float32Array.from(r.grad)).views;
  const grads = readSafetensors(join(dir!, 'reference-rlprompt-grad.safetensors'));
  for (const name of MLP_PARAMS) {
    const want = new Float64Array(new Uint8Array(grads.entry(name).bytes).buffer);
    const got = views[name];
    let sq = 0;
    let errSq = 0;
    for (let i = 0; i < want.length; i++) {
      sq += want[i]! ** 2;
      errSq += (got[i]! - want[i]!) ** 2;
    }
    rel(Math.sqrt(sq), ref.sql.grad_norms[name]!, 1e-9, `oracle norm of ${name}`);
    assert.ok(Math.sqrt(errSq) <= 1e-4 * Math.sqrt(sq), `${name}: gradient differs from the oracle by ${Math.sqrt(errSq)} (norm ${Math.sqrt(sq)})`);
  }
  entries(views, ref.sql.grad_entries, 1e-4, 'grad');
  rel(clipGradNorm(Float64Array.from(r.grad), 5).norm, ref.sql.grad_total_norm, 1e-5, 'total gradient norm');
});

test('one clipped Adam step, the loss after it, and the Polyak target match the oracle', { skip }, async () => {
  const batch = await oracleBatch();
  const params = init.clone();
  const r = await lossAt(params, init, batch);
  const { coef } = clipGradNorm(r.grad, 5);
  rel(coef, ref.optimizer_step.clip_coef, 1e-5, 'clip coefficient');
  new Adam(params.flat.length, { lr: 5e-5 }).step(params.flat, r.grad);
  entries(params.views, ref.optimizer_step.params_after, 1e-4, 'params after the step');
  rel((await lossAt(params, init, batch)).loss, ref.optimizer_step.loss_after_step, 1e-5, 'loss after the step');
  const target = init.clone();
  polyakUpdate(target, params, 1e-3);
  entries(target.views, ref.optimizer_step.target_after_polyak, 1e-4, 'target after Polyak');
  rel((await lossAt(params, target, batch)).loss, ref.optimizer_step.loss_after_step_polyak_target, 1e-5, 'loss with the Polyak target');
});
