// The ORT sessions of a soft prompt tuning run, built from the model's training graph (no KV
// cache): surgery (soft_prompt input) + loss head, one forward session (loss, class scores) and,
// when the autodiff can differentiate the graph, one gradient session that also returns
// `soft_prompt_grad`. Both run on the same execution provider.
import { AutodiffError, buildGradientGraph } from '../../autodiff/gradientGraph';
import { encodeModel } from '../../onnx/codec';
import type { OnnxModel, TensorData, ValueInfo } from '../../onnx/ir';
import { type Device, openSession, type Provider } from '../../runtime/executionProviders';
import { float32Tensor, int64Tensor, type OrtFeeds, type OrtSession } from '../../runtime/ort';
import type { BatchArrays } from './batchFeeds';
import { appendLossHead, LOSS_INPUTS, LOSS_OUTPUTS, type LossKind } from './lossHead';
import { addSoftPromptInput, findEmbeddingGather, SOFT_PROMPT_INPUT } from './surgery';

export const SOFT_PROMPT_GRAD = `${SOFT_PROMPT_INPUT}_grad`;

export interface SoftPromptSessions {
  numVirtualTokens: number;
  vocabSize: number;
  hidden: number;
  /** The model's token-embedding table [V, d]. */
  table: TensorData;
  provider: Provider;
  forward: OrtSession;
  /** Undefined when the autodiff refused the graph (see `autodiffError`) or was not asked for. */
  gradient?: OrtSession;
  autodiffError?: string;
  inputNames: Set<string>;
  /** KV-cache inputs of the graph (fed empty: the whole sequence is one step) and their [_, heads, _, headDim]. */
  pastInputs: { name: string; heads: number; headDim: number }[];
}

export interface BatchResult {
  loss: number;
  /** [E, C] row-major. */
  classScores: Float32Array;
  /** [n, d]: d loss / d soft_prompt (gradient runs only). */
  grad?: Float32Array;
}

/**
 * `numVirtualTokens` 0 builds the plain model with the loss head (manual prompts, baselines).
 * `gradient: false` skips the gradient graph (forward-only methods such as BBT).
 */
export async function openSoftPromptSessions(
  trainingGraph: OnnxModel,
  options: { numVirtualTokens: number; loss: LossKind; device: Device; gradient: boolean },
): Promise<SoftPromptSessions> {
  const n = options.numVirtualTokens;
  const { table } = findEmbeddingGather(trainingGraph.graph);
  const withInput = n > 0 ? addSoftPromptInput(trainingGraph, n).model : trainingGraph;
  const lossModel = appendLossHead(withInput, options.loss);
  const forward = await openSession(encodeModel(lossModel), options.device);
  const sessions: SoftPromptSessions = {
    numVirtualTokens: n,
    vocabSize: table.dims[0]!,
    hidden: table.dims[1]!,
    table,
    provider: forward.provider,
    forward: forward.session,
    inputNames: new Set(lossModel.graph.inputs.map((i) => i.name)),
    pastInputs: lossModel.graph.inputs.filter((i) => i.name.startsWith('past_key_values')).map(pastShape),
  };
  if (options.gradient && n > 0) {
    let gradModel: OnnxModel | undefined;
    try {
      gradModel = buildGradientGraph(lossModel, { wrt: [SOFT_PROMPT_INPUT], loss: LOSS_OUTPUTS.loss });
    } catch (err) {
      if (!(err instanceof AutodiffError)) throw err;
      sessions.autodiffError = err.message;
    }
    if (gradModel) {
      // Same provider as the forward session, so gradient and evaluation agree.
      sessions.gradient = (await openSession(encodeModel(gradModel), forward.provider)).session;
    }
  }
  return sessions;
}

function pastShape(input: ValueInfo): { name: string; heads: number; headDim: number } {
  const [, heads, , headDim] = input.shape ?? [];
  if (input.shape?.length !== 4 || typeof heads !== 'number' || typeof headDim !== 'number') {
    throw new Error(`soft prompt: KV-cache input '${input.name}' needs a [batch, heads, past, head_dim] shape with fixed heads and head_dim, got ${JSON.stringify(input.shape)}`);
  }
  return { name: input.name, heads, headDim };
}

/** The token and loss-head feeds of a batch (also used by fine tuning's sessions). */
export function lossHeadFeeds(batch: BatchArrays, inputNames: ReadonlySet<string>, pastInputs: readonly { name: string; heads: number; headDim: number }[] = []): OrtFeeds {
  const { rows: R, seqLen: T, dims } = batch;
  const feeds: OrtFeeds = {
    input_ids: int64Tensor(batch.inputIds, [R, T]),
    [LOSS_INPUTS.scoreRows]: int64Tensor(batch.scoreRows, [dims.examples, dims.classes, dims.maxTokens]),
    [LOSS_INPUTS.scoreTokens]: int64Tensor(batch.scoreTokens, [dims.examples, dims.classes, dims.maxTokens, 1]),
    [LOSS_INPUTS.scoreMask]: float32Tensor(batch.scoreMask, [dims.examples, dims.classes, dims.maxTokens, 1]),
    [LOSS_INPUTS.labelWeights]: float32Tensor(batch.labelWeights, [dims.examples, dims.classes]),
  };
  if (inputNames.has('attention_mask')) feeds.attention_mask = int64Tensor(batch.attentionMask, [R, T]);
  if (inputNames.has('position_ids')) feeds.position_ids = int64Tensor(batch.positionIds, [R, T]);
  for (const p of pastInputs) feeds[p.name] = float32Tensor(new Float32Array(0), [R, p.heads, 0, p.headDim]);
  return feeds;
}

function feedsFor(s: SoftPromptSessions, prompt: Float32Array | undefined, batch: BatchArrays): OrtFeeds {
  const feeds = lossHeadFeeds(batch, s.inputNames, s.pastInputs);
  if (s.numVirtualTokens > 0) {
    if (!prompt || prompt.length !== s.numVirtualTokens * s.hidden) {
      throw new Error(`soft prompt: expected ${s.numVirtualTokens}×${s.hidden} values, got ${prompt?.length ?? 0}`);
    }
    feeds[SOFT_PROMPT_INPUT] = float32Tensor(prompt, [s.numVirtualTokens, s.hidden]);
  }
  return feeds;
}

/** Loss and class scores (and the gradient when `withGrad`) of one batch at soft prompt `prompt`. */
export async function runBatch(s: SoftPromptSessions, prompt: Float32Array | undefined, batch: BatchArrays, withGrad: boolean): Promise<BatchResult> {
  const session = withGrad ? s.gradient : s.forward;
  if (!session) throw new Error(`soft prompt: no gradient session (${s.autodiffError ?? 'not built'})`);
  const fetches = withGrad ? [LOSS_OUTPUTS.loss, LOSS_OUTPUTS.classScores, SOFT_PROMPT_GRAD] : [LOSS_OUTPUTS.loss, LOSS_OUTPUTS.classScores];
  const out = await session.run(feedsFor(s, prompt, batch), fetches);
  const result: BatchResult = {
    loss: Number((out[LOSS_OUTPUTS.loss]!.data as Float32Array)[0]),
    classScores: Float32Array.from(out[LOSS_OUTPUTS.classScores]!.data as Float32Array),
  };
  if (withGrad) result.grad = Float32Array.from(out[SOFT_PROMPT_GRAD]!.data as Float32Array);
  for (const t of Object.values(out)) (t as { dispose?: () => void }).dispose?.();
  return result;
}

export async function releaseSessions(s: SoftPromptSessions): Promise<void> {
  await s.forward.release();
  await s.gradient?.release();
}
