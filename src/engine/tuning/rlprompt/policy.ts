// The RLPrompt policy on ORT: the frozen LM (KV cache, last hidden state exposed) gives the
// state s_t after the start prefix and the tokens drawn so far; the trainable MLP + frozen head
// turn states into next-token logits. Sampling, the target network's logits and the SQL loss's
// gradient all run through the same two head graphs (forward, and loss + autodiff gradient).
import { buildGradientGraph } from '../../autodiff/gradientGraph';
import { encodeModel } from '../../onnx/codec';
import type { OnnxModel } from '../../onnx/ir';
import { type Device, openSession, type Provider } from '../../runtime/executionProviders';
import { describeModel, forward, type KvCache, type ModelIo } from '../../runtime/forward';
import { sliceRow } from '../../runtime/kvSlice';
import { float32Tensor, int64Tensor, type OrtFeeds, type OrtSession, type OrtTensor } from '../../runtime/ort';
import { exposeLastHiddenState, LAST_HIDDEN_STATE } from './hiddenState';
import { withScoredPositions } from '../../onnx/scoredPositions';
import type { MlpParams } from './mlpParams';
import { buildPolicyHeadGraph, buildSqlLossGraph, HEAD_IO, MLP_PARAMS } from './policyHead';
import { sampleTopK, type UniformSource } from './sampler';

export interface PolicyOptions {
  device: Device;
  /** The MLP's inner size (RLPrompt: 2048). */
  mlpHidden: number;
  promptLength: number;
  /** logits = LM logits + head(mlp(s)) instead of head(mlp(s)) (see policyHead.ts). */
  residual: boolean;
  /** The constant input every prompt starts from (RLPrompt: the LM's BOS / <|endoftext|>). */
  startIds: number[];
  /** config.json of the policy LM (KV-cache shapes when the graph leaves them symbolic). */
  config: Record<string, unknown>;
}

export interface SampledPrompts {
  /** [count][T] token ids. */
  ids: number[][];
  /** The states the tokens were drawn from, [count · T, d], prompt-major. */
  states: Float32Array;
}

export interface SqlBatch {
  states: Float32Array;
  ids: number[][];
  /** [B · T] constants from the target network (see buildSqlLossGraph). */
  stepTargets: Float32Array;
  sequenceTargets: Float32Array;
}

export interface SqlResult {
  loss: number;
  /** log π(a_t | s_t), [B · T]. */
  logProbs: Float32Array;
  /** d loss / d θ in the flat MlpParams layout. */
  grad: Float64Array;
}

function dispose(tensors: Record<string, OrtTensor>): void {
  for (const t of Object.values(tensors)) (t as { dispose?: () => void }).dispose?.();
}

/** The one position whose logits a policy LM step computes (none are read; see open()). */
const NO_LOGITS = [0];

export class RlPolicy {
  private startState?: Float32Array;
  private startCache?: KvCache;

  private constructor(
    private readonly lm: OrtSession,
    private readonly io: ModelIo,
    private readonly head: OrtSession,
    private readonly loss: OrtSession,
    readonly hidden: number,
    readonly vocab: number,
    readonly provider: Provider,
    private readonly options: PolicyOptions,
  ) {}

  /** `lmGraph`: the policy LM with KV cache (an exported or downloaded model.onnx). */
  static async open(lmGraph: OnnxModel, options: PolicyOptions): Promise<RlPolicy> {
    const surgery = exposeLastHiddenState(lmGraph);
    const shape = { hidden: surgery.hidden, mlpHidden: options.mlpHidden, vocab: surgery.vocab, headT: surgery.headT, residual: options.residual };
    // The frozen LM's own logits are never read (the policy head computes them from the states):
    // with logits_positions each step asks for one row (NO_LOGITS) instead of V per prompt.
    const lm = await openSession(encodeModel(withScoredPositions(surgery.model) ?? surgery.model), options.device);
    const head = await openSession(encodeModel(buildPolicyHeadGraph(shape)), lm.provider);
    const lossGraph = buildGradientGraph(buildSqlLossGraph(shape, options.promptLength), { wrt: [...MLP_PARAMS], loss: HEAD_IO.loss });
    const loss = await openSession(encodeModel(lossGraph), lm.provider);
    const io = describeModel(lm.session, options.config, 'policy model');
    return new RlPolicy(lm.session, io, head.session, loss.session, surgery.hidden, surgery.vocab, lm.provider, options);
  }

  get promptLength(): number {
    return this.options.promptLength;
  }

  private paramFeeds(params: MlpParams, logitBias: Float32Array): OrtFeeds {
    const feeds: OrtFeeds = { [HEAD_IO.logitBias]: float32Tensor(logitBias, [this.vocab]) };
    for (const name of MLP_PARAMS) feeds[name] = float32Tensor(params.views[name], params.shapes[name]);
    return feeds;
  }

  /** Next-token logits [rows, V] of `rows` states. */
  async logits(params: MlpParams, states: Float32Array, rows: number, logitBias: Float32Array): Promise<Float32Array> {
    const out = await this.head.run({ ...this.paramFeeds(params, logitBias), [HEAD_IO.states]: float32Tensor(states, [rows, this.hidden]) }, [HEAD_IO.logits]);
    const logits = Float32Array.from(out[HEAD_IO.logits]!.data as Float32Array);
    dispose(out);
    return logits;
  }

  /** The state after the start prefix (computed once) and its KV cache. */
  private async start(): Promise<{ state: Float32Array; cache: KvCache }> {
    if (!this.startState || !this.startCache) {
      const out = await forward(this.lm, this.io, { ids: [this.options.startIds], extraOutputs: [LAST_HIDDEN_STATE], logitsAt: NO_LOGITS });
      const h = out.extra[LAST_HIDDEN_STATE]!.data as Float32Array;
      const last = this.options.startIds.length - 1;
      this.startState = Float32Array.from(h.subarray(last * this.hidden, (last + 1) * this.hidden));
      this.startCache = out.present;
    }
    return { state: this.startState, cache: this.startCache! };
  }

  /** The frozen LM's state after the start prefix (its last hidden state, d values). */
  async startState0(): Promise<Float32Array> {
    return Float32Array.from((await this.start()).state);
  }

  /**
   * Draws `count` prompts of T tokens. `pick(logits, offset, row, t)` chooses each token (top-k
   * sampling with one uniform, or greedy); the frozen LM then reads the chosen tokens.
   */
  async rollout(params: MlpParams, count: number, logitBias: Float32Array, pick: (logits: Float32Array, offset: number, row: number, t: number) => number): Promise<SampledPrompts> {
    const T = this.options.promptLength;
    const d = this.hidden;
    const V = this.vocab;
    const { state, cache } = await this.start();
    const ids = Array.from({ length: count }, () => new Array<number>(T));
    const states = new Float32Array(count * T * d);
    let stepStates = state;
    let past: KvCache | undefined;
    for (let t = 0; t < T; t++) {
      // At t = 0 every prompt is in the same state: one row of logits serves them all.
      const rows = t === 0 ? 1 : count;
      const logits = await this.logits(params, stepStates, rows, logitBias);
      for (let b = 0; b < count; b++) {
        const row = t === 0 ? 0 : b;
        ids[b]![t] = pick(logits, row * V, b, t);
        states.set(stepStates.subarray(row * d, (row + 1) * d), (b * T + t) * d);
      }
      if (t === T - 1) break;
      const prefix = this.options.startIds.length + t;
      const out = await forward(this.lm, this.io, {
        ids: ids.map((p) => [p[t]!]),
        past: past ?? sliceRow(cache, 0, prefix, count),
        extraOutputs: [LAST_HIDDEN_STATE],
        logitsAt: NO_LOGITS,
      });
      stepStates = Float32Array.from(out.extra[LAST_HIDDEN_STATE]!.data as Float32Array);
      past = out.present;
    }
    return { ids, states };
  }

  /** Top-k sampling with one uniform per token, drawn prompt by prompt within each step (t-major). */
  sample(params: MlpParams, count: number, topK: number, logitBias: Float32Array, uniforms: UniformSource): Promise<SampledPrompts> {
    return this.rollout(params, count, logitBias, (logits, offset) => sampleTopK(logits, offset, this.vocab, topK, uniforms.uniform()));
  }

  /** The soft Q-learning loss of a batch and its gradient w.r.t. the MLP (buildSqlLossGraph). */
  async sqlLossAndGrad(params: MlpParams, batch: SqlBatch, logitBias: Float32Array): Promise<SqlResult> {
    const B = batch.ids.length;
    const T = this.options.promptLength;
    const actions = int64Tensor(BigInt64Array.from(batch.ids.flat(), (a) => BigInt(a)), [B * T, 1]);
    const feeds: OrtFeeds = {
      ...this.paramFeeds(params, logitBias),
      [HEAD_IO.states]: float32Tensor(batch.states, [B * T, this.hidden]),
      [HEAD_IO.actions]: actions,
      [HEAD_IO.stepTargets]: float32Tensor(batch.stepTargets, [B, T]),
      [HEAD_IO.sequenceTargets]: float32Tensor(batch.sequenceTargets, [B, T]),
    };
    const fetches = [HEAD_IO.loss, HEAD_IO.logProbs, ...MLP_PARAMS.map((n) => `${n}_grad`)];
    const out = await this.loss.run(feeds, fetches);
    const grad = new Float64Array(params.flat.length);
    let offset = 0;
    for (const name of MLP_PARAMS) {
      const g = out[`${name}_grad`]!.data as Float32Array;
      grad.set(g, offset);
      offset += g.length;
    }
    const result = { loss: Number((out[HEAD_IO.loss]!.data as Float32Array)[0]), logProbs: Float32Array.from(out[HEAD_IO.logProbs]!.data as Float32Array), grad };
    dispose(out);
    return result;
  }

  async release(): Promise<void> {
    await this.lm.release();
    await this.head.release();
    await this.loss.release();
  }
}
