// The ORT session of a soft prompt run, built from the model's training graph (no KV cache):
// surgery (soft_prompt input) + loss head + (when asked and the autodiff can differentiate the
// graph) the backward pass behind a gate input, all in ONE session holding one copy of the
// weights. A run with the gate off is a plain forward pass (evaluation, BBT); a batch without
// virtual ids is the plain template (the manual baseline), since only ids ≥ V read soft_prompt.
import { AutodiffError, buildGradientGraph } from '../../autodiff/gradientGraph';
import { lazyTensor, type OnnxModel, type TensorData, type ValueInfo } from '../../onnx/ir';
import { floatValues } from '../../onnx/tensorTypes';
import { hasHalfFloats, widenFloats } from '../../onnx/widenFloats';
import type { Device, Provider } from '../../runtime/executionProviders';
import { openModelSession } from '../../runtime/modelSession';
import { float32Tensor, int64Tensor, ort, type OrtFeeds, type OrtSession } from '../../runtime/ort';
import { type ActivationEstimate, DEFAULT_ACTIVATION_BUDGET, savedActivations } from './activationMemory';
import type { BatchArrays } from './batchFeeds';
import { appendLossHead, LOSS_INPUTS, LOSS_OUTPUTS, type LossKind } from './lossHead';
import { addSoftPromptInput, findEmbeddingGather, SOFT_PROMPT_INPUT } from './surgery';

export const SOFT_PROMPT_GRAD = `${SOFT_PROMPT_INPUT}_grad`;
/** The bool input that switches the backward pass on. */
export const GRADIENT_GATE = 'compute_gradient';

export interface SoftPromptSessions {
  numVirtualTokens: number;
  vocabSize: number;
  hidden: number;
  /** The model's token-embedding table [V, d] as float32 (converted from fp16/bf16 models); each
   * read of `data` reads it again: read it once where it is needed. */
  table: TensorData;
  provider: Provider;
  session: OrtSession;
  /** Whether the session computes d loss / d soft_prompt (see `autodiffError` when not). */
  differentiable: boolean;
  /** Why the autodiff refused the graph (gradient asked for, not available). */
  autodiffError?: string;
  inputNames: Set<string>;
  /** KV-cache inputs of the graph (fed empty: the whole sequence is one step) and their [_, heads, _, headDim]. */
  pastInputs: { name: string; heads: number; headDim: number }[];
  /** The soft prompt fed when a batch has no virtual ids (zeros; never read). */
  unusedPrompt?: Float32Array;
  /** Bytes one run keeps for the backward pass, by batch shape (differentiable sessions). */
  activationBytes?: ActivationEstimate;
  /** Batches whose run would keep more are run in groups (see SoftPromptObjective). */
  activationBudget: number;
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
 * `gradient: false` skips the backward pass (forward-only methods such as BBT, evaluation).
 */
export async function openSoftPromptSessions(
  trainingGraph: OnnxModel,
  options: { numVirtualTokens: number; loss: LossKind; device: Device; gradient: boolean; activationBudget?: number },
): Promise<SoftPromptSessions> {
  const n = options.numVirtualTokens;
  // Half-precision graphs are differentiated in float32 (the autodiff works in one float type).
  const graph = options.gradient && hasHalfFloats(trainingGraph) ? widenFloats(trainingGraph) : trainingGraph;
  const { table } = findEmbeddingGather(graph.graph);
  const withInput = n > 0 ? addSoftPromptInput(graph, n).model : graph;
  const lossModel = appendLossHead(withInput, options.loss);
  let model = lossModel;
  let autodiffError: string | undefined;
  if (options.gradient && n > 0) {
    try {
      model = buildGradientGraph(lossModel, { wrt: [SOFT_PROMPT_INPUT], loss: LOSS_OUTPUTS.loss, gate: GRADIENT_GATE });
    } catch (err) {
      if (!(err instanceof AutodiffError)) throw err;
      autodiffError = explainRefusal(lossModel, err.message);
    }
  }
  // The backward pass multiplies by every weight a second time (transposed): prepacked, each
  // weight would be kept twice more. Its activations are big and shaped by each batch: ORT's
  // arena would keep the largest peak of every shape, so they are allocated per run instead.
  const opened = await openModelSession(model, options.device, { prepackWeights: model === lossModel, memoryArena: model === lossModel });
  const [vocabSize, hidden] = table.dims as [number, number];
  return {
    numVirtualTokens: n,
    vocabSize,
    hidden,
    // Lazy as well: read (from the checkpoint, for an exported graph) when asked for, not held.
    table: lazyTensor(table.name, 'float32', table.dims, () => floatValues(table)),
    provider: opened.provider,
    session: opened.session,
    differentiable: model !== lossModel,
    autodiffError,
    inputNames: new Set(model.graph.inputs.map((i) => i.name)),
    pastInputs: model.graph.inputs.filter((i) => i.name.startsWith('past_key_values')).map(pastShape),
    unusedPrompt: n > 0 ? new Float32Array(n * hidden) : undefined,
    activationBytes: model === lossModel ? undefined : savedActivations(model, lossModel.graph, GRADIENT_GATE),
    activationBudget: options.activationBudget ?? DEFAULT_ACTIVATION_BUDGET,
  };
}

/** Ops of quantized exports (q8 dynamic quantization, q4 MatMulNBits, …) that have no gradient rule. */
const QUANTIZED_OPS = ['MatMulNBits', 'MatMulInteger', 'DynamicQuantizeLinear', 'QLinearMatMul', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul', 'GatherBlockQuantized', 'MatMulBnb4', 'QuantizeLinear'];

/** The autodiff's refusal, saying what to use instead when the graph is a quantized export. */
function explainRefusal(model: OnnxModel, message: string): string {
  const op = QUANTIZED_OPS.find((q) => model.graph.nodes.some((n) => n.opType === q));
  if (!op) return message;
  return `${message}. This is a quantized model (${op}): gradients need float weights (fp32, fp16, bf16, or weights stored quantized and expanded by DequantizeLinear); use the fp32 or fp16 variant (or the safetensors checkpoint) for gradient tuning, or the gradient-free method (BBT), which runs on quantized models`;
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

function feedsFor(s: SoftPromptSessions, prompt: Float32Array | undefined, batch: BatchArrays, withGrad: boolean): OrtFeeds {
  const feeds = lossHeadFeeds(batch, s.inputNames, s.pastInputs);
  if (s.differentiable) feeds[GRADIENT_GATE] = new (ort().Tensor)('bool', Uint8Array.of(withGrad ? 1 : 0), []);
  if (s.numVirtualTokens > 0) {
    if (!prompt) {
      // The plain template on the soft prompt's session: no id may select a virtual token.
      const virtual = batch.inputIds.findIndex((id) => id >= BigInt(s.vocabSize));
      if (virtual >= 0) throw new Error(`soft prompt: the batch has virtual token id ${batch.inputIds[virtual]} but no soft prompt was given`);
    } else if (prompt.length !== s.numVirtualTokens * s.hidden) {
      throw new Error(`soft prompt: expected ${s.numVirtualTokens}×${s.hidden} values, got ${prompt.length}`);
    }
    feeds[SOFT_PROMPT_INPUT] = float32Tensor(prompt ?? s.unusedPrompt!, [s.numVirtualTokens, s.hidden]);
  }
  return feeds;
}

/** Loss and class scores (and the gradient when `withGrad`) of one batch at soft prompt `prompt`. */
export async function runBatch(s: SoftPromptSessions, prompt: Float32Array | undefined, batch: BatchArrays, withGrad: boolean): Promise<BatchResult> {
  if (withGrad && !s.differentiable) throw new Error(`soft prompt: this session computes no gradient (${s.autodiffError ?? 'not asked for'})`);
  if (withGrad && !prompt) throw new Error('soft prompt: a gradient needs a soft prompt');
  const fetches = withGrad ? [LOSS_OUTPUTS.loss, LOSS_OUTPUTS.classScores, SOFT_PROMPT_GRAD] : [LOSS_OUTPUTS.loss, LOSS_OUTPUTS.classScores];
  const out = await s.session.run(feedsFor(s, prompt, batch, withGrad), fetches);
  const result: BatchResult = {
    loss: Number((out[LOSS_OUTPUTS.loss]!.data as Float32Array)[0]),
    classScores: Float32Array.from(out[LOSS_OUTPUTS.classScores]!.data as Float32Array),
  };
  if (withGrad) result.grad = Float32Array.from(out[SOFT_PROMPT_GRAD]!.data as Float32Array);
  for (const t of Object.values(out)) (t as { dispose?: () => void }).dispose?.();
  return result;
}

export async function releaseSessions(s: SoftPromptSessions): Promise<void> {
  await s.session.release();
}
