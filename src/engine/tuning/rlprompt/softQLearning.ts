// One on-policy soft Q-learning update of RLPrompt (SQLModule._train_step with the default
// sql_loss_impl): the target network's values V′ = logsumexp of its logits on the same states
// give the loss's constant targets; the policy's loss gradient (ORT + autodiff) is clipped to
// a global norm and applied with Adam. The target is moved by Polyak averaging separately, at
// the start of each step, as RLPrompt does (_pre_steps).
import { logSumExp } from '../../runtime/logits';
import type { Adam } from '../optim/adam';
import { clipGradNorm, type MlpParams } from './mlpParams';
import type { RlPolicy, SampledPrompts } from './policy';

export interface SqlTargets {
  stepTargets: Float32Array;
  sequenceTargets: Float32Array;
}

/** logsumexp of each [V] row, in float64. */
export function rowLogSumExp(logits: Float32Array, rows: number, vocab: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, r) => logSumExp(logits, r * vocab, vocab));
}

/**
 * Targets from the target network's values V′[b, t] (b-major, T per prompt) and the prompts'
 * shaped rewards: single-step A′[t] = V′[t+1] − V′[t] (last step: r − V′[T−1]); multi-step r − V′[t].
 */
export function sqlTargets(targetValues: Float64Array, rewards: readonly number[], T: number): SqlTargets {
  const B = rewards.length;
  const stepTargets = new Float32Array(B * T);
  const sequenceTargets = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const v = (t: number) => targetValues[b * T + t]!;
    for (let t = 0; t < T; t++) {
      stepTargets[b * T + t] = t < T - 1 ? v(t + 1) - v(t) : rewards[b]! - v(t);
      sequenceTargets[b * T + t] = rewards[b]! - v(t);
    }
  }
  return { stepTargets, sequenceTargets };
}

export interface SqlStepResult {
  loss: number;
  gradNorm: number;
  clipCoef: number;
}

/** Computes the loss at `params` against `target`, then one clipped Adam step on `params` (in place). */
export async function sqlUpdate(
  policy: RlPolicy,
  params: MlpParams,
  target: MlpParams,
  optimizer: Adam,
  batch: SampledPrompts,
  shapedRewards: readonly number[],
  logitBias: Float32Array,
  maxGradNorm: number,
): Promise<SqlStepResult> {
  const T = policy.promptLength;
  const rows = batch.ids.length * T;
  const targetLogits = await policy.logits(target, batch.states, rows, logitBias);
  const targets = sqlTargets(rowLogSumExp(targetLogits, rows, policy.vocab), shapedRewards, T);
  const r = await policy.sqlLossAndGrad(params, { states: batch.states, ids: batch.ids, ...targets }, logitBias);
  if (!Number.isFinite(r.loss)) throw new Error(`RL prompt tuning: the soft Q-learning loss became ${r.loss}`);
  const { norm, coef } = clipGradNorm(r.grad, maxGradNorm);
  optimizer.step(params.flat, r.grad);
  return { loss: r.loss, gradNorm: norm, clipCoef: coef };
}
