// The trainable part of the RLPrompt policy as ONNX graphs (RLPrompt's LMAdaptorModel):
//   logits = (mlp(s) [+ s]) · headT + logit_bias,  mlp(s) = W2 · relu(W1 · s + b1) + b2
// with the frozen LM head as a constant. The MLP's weights are graph inputs in PyTorch's
// [out, in] layout (so they are fed, trained and saved as RLPrompt names them), and the
// soft Q-learning loss is appended in standard ops so the project's autodiff differentiates it.
import { GraphBuilder } from '../../onnx/builder';
import type { OnnxModel } from '../../onnx/ir';

export const MLP_PARAMS = ['mlp.0.weight', 'mlp.0.bias', 'mlp.2.weight', 'mlp.2.bias'] as const;
export type MlpParamName = (typeof MLP_PARAMS)[number];

export const HEAD_IO = {
  states: 'states',
  logitBias: 'logit_bias',
  logits: 'logits',
  actions: 'actions',
  stepTargets: 'step_targets',
  sequenceTargets: 'sequence_targets',
  loss: 'loss',
  logProbs: 'action_log_probs',
} as const;

export interface PolicyHeadShape {
  /** The LM's hidden size d. */
  hidden: number;
  /** The MLP's inner size (RLPrompt: 2048). */
  mlpHidden: number;
  vocab: number;
  /** Frozen head [d, V]. */
  headT: Float32Array;
  /**
   * Add the state back before the head (logits = LM logits + head(mlp(s))): a policy that starts
   * from the LM's own next-token distribution. RLPrompt: false (the MLP replaces the state).
   */
  residual: boolean;
}

/** The shapes of the four MLP tensors, [out, in] / [out]. */
export function mlpShapes(hidden: number, mlpHidden: number): Record<MlpParamName, number[]> {
  return { 'mlp.0.weight': [mlpHidden, hidden], 'mlp.0.bias': [mlpHidden], 'mlp.2.weight': [hidden, mlpHidden], 'mlp.2.bias': [hidden] };
}

function logitsGraph(shape: PolicyHeadShape): GraphBuilder {
  const { hidden: d, mlpHidden: h, vocab: V } = shape;
  const b = new GraphBuilder('rlprompt_policy_head');
  const states = b.input(HEAD_IO.states, 'float32', ['rows', d]);
  const dims = mlpShapes(d, h);
  for (const name of MLP_PARAMS) b.input(name, 'float32', dims[name]);
  const bias = b.input(HEAD_IO.logitBias, 'float32', [V]);
  const inner = b.op('Relu', [b.op('Gemm', [states, 'mlp.0.weight', 'mlp.0.bias'], { transB: 1 }, { name: 'MlpIn' })]);
  let out = b.op('Gemm', [inner, 'mlp.2.weight', 'mlp.2.bias'], { transB: 1 }, { name: 'MlpOut' });
  if (shape.residual) out = b.op('Add', [out, states], {}, { name: 'MlpResidual' });
  const head = b.initializer({ name: 'lm_head_t', dataType: 'float32', dims: [d, V], data: shape.headT });
  b.op('Add', [b.op('MatMul', [out, head], {}, { name: 'FrozenLmHead' }), bias], {}, { name: 'LogitBias', output: HEAD_IO.logits });
  return b;
}

/** states [rows, d] + MLP weights + logit_bias [V] → logits [rows, V]. */
export function buildPolicyHeadGraph(shape: PolicyHeadShape): OnnxModel {
  const b = logitsGraph(shape);
  b.output(HEAD_IO.logits, 'float32', ['rows', shape.vocab]);
  return b.build();
}

/**
 * The soft Q-learning loss of RLPrompt's default `sql_loss_impl` (v2_v2r_v3_v3r without the
 * reversed terms), on-policy, sparse reward. Rows are prompts × steps (b-major, T steps each):
 *   A[b,t] = log softmax(z[b,t])[a[b,t]]  (= Q − V with Q = z[a], V = logsumexp z)
 *   L2 = (A − step_targets)², step_targets = V′[t+1] − V′[t], last: r − V′[T−1]
 *   L3 = (Σ_{s≥t} A[b,s] − sequence_targets)², sequence_targets = r − V′[t]
 *   loss = mean_b Σ_t (L2 + L3) / 2
 * The targets come from the target network (constants for the update), computed outside.
 */
export function buildSqlLossGraph(shape: PolicyHeadShape, promptLength: number): OnnxModel {
  const T = promptLength;
  const b = logitsGraph(shape);
  const actions = b.input(HEAD_IO.actions, 'int64', ['rows', 1]);
  const stepTargets = b.input(HEAD_IO.stepTargets, 'float32', ['prompts', T]);
  const sequenceTargets = b.input(HEAD_IO.sequenceTargets, 'float32', ['prompts', T]);
  const logProbs = b.op('LogSoftmax', [HEAD_IO.logits], { axis: -1 }, { name: 'PolicyLogSoftmax' });
  const picked = b.op('GatherElements', [logProbs, actions], { axis: 1 }, { name: 'PickActions' });
  const advantages = b.op('Reshape', [picked, b.constInt64([-1, T], [2], 'steps_shape')], {}, { name: 'PerPromptSteps', output: HEAD_IO.logProbs });
  const stepError = b.op('Sub', [advantages, stepTargets], {}, { name: 'SingleStepError' });
  // Σ_{s≥t} A[s] as a product with the constant matrix M[s, t] = [s ≥ t].
  const lowerOnes = new Float32Array(T * T);
  for (let s = 0; s < T; s++) for (let t = 0; t <= s; t++) lowerOnes[s * T + t] = 1;
  const future = b.op('MatMul', [advantages, b.constFloat(lowerOnes, [T, T], 'reverse_cumsum')], {}, { name: 'ReverseCumsum' });
  const sequenceError = b.op('Sub', [future, sequenceTargets], {}, { name: 'MultiStepError' });
  const squares = b.op('Add', [b.op('Mul', [stepError, stepError]), b.op('Mul', [sequenceError, sequenceError])], {}, { name: 'SquaredErrors' });
  const perPrompt = b.op('ReduceSum', [squares, b.constInt64([1], [1], 'step_axis')], { keepdims: 0 }, { name: 'SumOverSteps' });
  const mean = b.op('ReduceMean', [perPrompt, b.constInt64([0], [1], 'prompt_axis')], { keepdims: 0 }, { name: 'MeanOverPrompts' });
  b.op('Mul', [mean, b.constFloat([0.5], [], 'half')], {}, { name: 'HalfSum', output: HEAD_IO.loss });
  b.output(HEAD_IO.loss, 'float32', []);
  b.output(HEAD_IO.logProbs, 'float32', ['prompts', T]);
  return b.build();
}
