// The ORT sessions of a fine-tuning run. The trainable tensors are graph INPUTS fed from the
// flat parameter vector on every run (ORT cannot update initializers in place), so the session
// holds no copy of them: one gradient session (loss head + autodiff, outputs `<name>_grad` for
// every trainable tensor) and one forward session for evaluation share nothing but the graph
// text. Frozen weights (LoRA's base model) are fed the same way, so no session copies them.
import { buildGradientGraph } from '../../autodiff/gradientGraph';
import { encodeModel } from '../../onnx/codec';
import type { OnnxModel } from '../../onnx/ir';
import { type Device, openSession, type Provider } from '../../runtime/executionProviders';
import { float32Tensor, type OrtFeeds, type OrtSession } from '../../runtime/ort';
import type { BatchArrays } from '../softprompt/batchFeeds';
import { appendLossHead, LOSS_OUTPUTS, type LossKind } from '../softprompt/lossHead';
import { lossHeadFeeds } from '../softprompt/softPromptSession';
import type { ParameterSet } from './parameters';

export interface FineTuneSessions {
  /** The trained tensors (graph inputs with a gradient output each). */
  params: ParameterSet;
  /** Frozen tensors fed as inputs without gradients (LoRA's base weights), if any. */
  frozen?: ParameterSet;
  provider: Provider;
  forward: OrtSession;
  gradient: OrtSession;
  inputNames: Set<string>;
  vocabSize: number;
}

export interface BatchLoss {
  loss: number;
  /** [E, C] row-major class scores (generation: one summed target log-prob per example). */
  classScores: Float32Array;
}

/** `trainable`: the model whose inputs are `params` and `frozen` (weightsAsInputs, addLoraAdapters). */
export async function openFineTuneSessions(trainable: OnnxModel, params: ParameterSet, options: { loss: LossKind; device: Device; frozen?: ParameterSet }): Promise<FineTuneSessions> {
  const lossModel = appendLossHead(trainable, options.loss);
  const gradModel = buildGradientGraph(lossModel, { wrt: params.tensors.map((t) => t.name), loss: LOSS_OUTPUTS.loss });
  // The weights come in as inputs, so the graph bytes alone would make a large model look small
  // (one CPU thread); and no memory arena, so a step's transient tensors are returned after it.
  const tuning = { inputWeightBytes: 4 * (params.count + (options.frozen?.count ?? 0)), memoryArena: false };
  const forward = await openSession(encodeModel(lossModel), options.device, undefined, tuning);
  let gradient: OrtSession;
  try {
    gradient = (await openSession(encodeModel(gradModel), forward.provider, undefined, tuning)).session;
  } catch (err) {
    await forward.session.release();
    throw err;
  }
  const logits = trainable.graph.outputs.find((o) => o.name === 'logits');
  return {
    params,
    frozen: options.frozen,
    provider: forward.provider,
    forward: forward.session,
    gradient,
    inputNames: new Set(lossModel.graph.inputs.map((i) => i.name)),
    vocabSize: logits?.shape?.[2] as number,
  };
}

function feeds(s: FineTuneSessions, batch: BatchArrays, values: Float32Array): OrtFeeds {
  const f = lossHeadFeeds(batch, s.inputNames);
  for (const t of s.params.tensors) f[t.name] = float32Tensor(s.params.view(t, values), t.dims);
  for (const t of s.frozen?.tensors ?? []) f[t.name] = float32Tensor(s.frozen!.view(t), t.dims);
  return f;
}

/**
 * Loss and class scores of one batch at `values` (default: the current parameters). With
 * `grad`, the gradient of the mean loss is written into it (same layout as the parameters).
 */
export async function runFineTuneBatch(s: FineTuneSessions, batch: BatchArrays, grad?: Float32Array, values = s.params.values): Promise<BatchLoss> {
  const fetches: string[] = [LOSS_OUTPUTS.loss, LOSS_OUTPUTS.classScores];
  if (grad) fetches.push(...s.params.tensors.map((t) => `${t.name}_grad`));
  const out = await (grad ? s.gradient : s.forward).run(feeds(s, batch, values), fetches);
  try {
    if (grad) {
      for (const t of s.params.tensors) grad.set(out[`${t.name}_grad`]!.data as Float32Array, t.offset);
    }
    return { loss: Number((out[LOSS_OUTPUTS.loss]!.data as Float32Array)[0]), classScores: Float32Array.from(out[LOSS_OUTPUTS.classScores]!.data as Float32Array) };
  } finally {
    for (const t of Object.values(out)) (t as { dispose?: () => void }).dispose?.();
  }
}

export async function releaseFineTuneSessions(s: FineTuneSessions): Promise<void> {
  await s.forward.release();
  await s.gradient.release();
}
