// How much memory a gradient-based run needs, estimated before anything big is loaded, and a
// refusal (with the estimate) when it will not fit. Shared by fine tuning, soft prompts and RL:
// each says how many parameters it trains and how many copies of the weights it holds.
//
// Bytes, all float32 (4 bytes), P = model parameters, P_t = trained parameters, R·T = token
// positions of a batch (rows × sequence length), L layers, d hidden, I intermediate, H heads,
// V vocabulary:
//   weights      = 4 · P · (weightCopies + 1)    (fine tuning feeds one JS copy to every session; +1: the
//                                                 exporter's copy it was made from, garbage by then but
//                                                 seldom collected before the first step allocates)
//   gradients    = 4 · P_t · 2                   (ORT's output tensor + the flat vector clipped and stepped)
//   optimizer    = 4 · P_t · optimizerSlots      (AdamW: m and v)
//   best on dev  = 4 · P_t                       (the parameters kept for selection)
//   activations  = 4 · R·T · (L · (18·d + 5·I + 3·H·T) + 3·V)
//                  (per layer the values the backward pass reads: norms, q/k/v/o and RoPE, attention
//                  scores and probabilities, the gated MLP; at the top the logits, their
//                  log-softmax at the scored positions and the dense gradient of the logits)
//   runtime      = 160 MiB                       (node, ONNX Runtime, graphs, tokenizer)
import { freemem, totalmem } from 'node:os';

export interface ModelShape {
  parameters: number;
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  vocab: number;
}

export interface TrainingMemoryInput {
  shape: ModelShape;
  /** Parameters with gradients and optimizer state. */
  trainable: number;
  /** Optimizer state per trained parameter in float32 slots (AdamW 2; Adam in float64 4; Adafactor ≈ 0). */
  optimizerSlots: number;
  /** How many copies of the model weights the run holds (sessions with their own initializers count one each). */
  weightCopies?: number;
  /** Batch rows (sequences) and their padded length. */
  rows: number;
  seqLen: number;
  /** Keeps a copy of the best parameters on dev. */
  keepBest?: boolean;
}

export interface MemoryEstimate {
  weights: number;
  gradients: number;
  optimizer: number;
  best: number;
  activations: number;
  runtime: number;
  total: number;
}

const F32 = 4;
const MIB = 2 ** 20;
export const RUNTIME_BYTES = 160 * MIB;

export function estimateTrainingMemory(input: TrainingMemoryInput): MemoryEstimate {
  const { shape: m, trainable } = input;
  const positions = input.rows * input.seqLen;
  const perLayer = 18 * m.hidden + 5 * m.intermediate + 3 * m.heads * input.seqLen;
  const e = {
    weights: F32 * m.parameters * ((input.weightCopies ?? 1) + 1),
    gradients: F32 * trainable * 2,
    optimizer: F32 * trainable * input.optimizerSlots,
    best: input.keepBest === false ? 0 : F32 * trainable,
    activations: F32 * positions * (m.layers * perLayer + 3 * m.vocab),
    runtime: RUNTIME_BYTES,
  };
  return { ...e, total: Object.values(e).reduce((a, b) => a + b, 0) };
}

/** The model shape from a Hugging Face config.json (Llama and GPT-2 key names) and its parameter count. */
export function modelShapeFromConfig(config: Record<string, unknown>, parameters: number): ModelShape {
  const int = (...keys: string[]) => {
    for (const k of keys) if (typeof config[k] === 'number') return config[k] as number;
    return 0;
  };
  const hidden = int('hidden_size', 'n_embd');
  return {
    parameters,
    layers: int('num_hidden_layers', 'n_layer'),
    hidden,
    intermediate: int('intermediate_size', 'n_inner') || 4 * hidden,
    heads: int('num_attention_heads', 'n_head'),
    vocab: int('vocab_size'),
  };
}

/** Memory this process may still use: free memory, capped by a cgroup limit when there is one. */
export function availableMemory(): { available: number; total: number } {
  const total = totalmem();
  let available = freemem();
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (limit && limit > 0 && limit < total) available = Math.min(available, Math.max(0, limit - process.memoryUsage().rss));
  return { available, total: limit && limit > 0 && limit < total ? limit : total };
}

export class MemoryRefusal extends Error {
  /** Sent over the protocol as the error's code, so a caller (compare) can tell "will not fit" from a failure. */
  readonly code = 'E_MEMORY';
  constructor(
    message: string,
    readonly estimate: MemoryEstimate,
    readonly available: number,
  ) {
    super(message);
  }
}

export function formatMemoryEstimate(e: MemoryEstimate): string {
  const mib = (x: number) => `${Math.round(x / MIB)} MiB`;
  return `${mib(e.total)} (weights ${mib(e.weights)}, gradients ${mib(e.gradients)}, optimizer ${mib(e.optimizer)}, best copy ${mib(e.best)}, activations ${mib(e.activations)}, runtime ${mib(e.runtime)})`;
}

/**
 * Throws a MemoryRefusal naming the estimate when it exceeds the memory available now; `force`
 * (the user's override) lets the run start anyway. `what` names the run in the message.
 */
export function checkTrainingMemory(e: MemoryEstimate, what: string, options: { force?: boolean; available?: number; total?: number } = {}): void {
  const measured = availableMemory();
  const available = options.available ?? measured.available;
  const total = options.total ?? measured.total;
  if (e.total <= available || options.force) return;
  const gib = (x: number) => `${(x / 2 ** 30).toFixed(1)} GiB`;
  throw new MemoryRefusal(
    `${what} needs about ${formatMemoryEstimate(e)}, but only ${gib(available)} of ${gib(total)} is free; ` +
      'use LoRA or a smaller batch, close other programs, or override the check (memoryCheck: false) to try anyway',
    e,
    available,
  );
}
