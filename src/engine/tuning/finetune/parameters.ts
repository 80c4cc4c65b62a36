// The trainable parameters of a fine-tuning run as ONE flat float32 vector (AdamW, clipping and
// checkpoints work on it as a whole), with a view per tensor that is fed to the training graph
// as an input. Full fine tuning turns the model's weight initializers into such inputs; each
// tensor remembers its Hugging Face name and whether the exporter stored it transposed, so the
// trained weights can be written back as a safetensors checkpoint.
import { transposed } from '../../onnx/export/transformerBlocks';
import type { Graph, OnnxModel } from '../../onnx/ir';

export interface ParameterTensor {
  /** The graph input that carries it (the exporter's initializer name, e.g. `…q_proj.weight.T`). */
  name: string;
  /** Its name in the Hugging Face checkpoint (safetensors / PEFT). */
  hfName: string;
  /** Shape in the graph. */
  dims: number[];
  /** The graph holds the checkpoint's [out, in] matrix as [in, out]. */
  transposed: boolean;
  offset: number;
  size: number;
  /** Weight decay applies: matrices yes; biases and norm weights no (as HF's Trainer). */
  decay: boolean;
}

export class ParameterSet {
  readonly count: number;

  constructor(
    readonly tensors: readonly ParameterTensor[],
    readonly values: Float32Array,
  ) {
    this.count = values.length;
  }

  /** The tensor's values, a view into the flat vector (writes go through). */
  view(t: ParameterTensor, of: Float32Array = this.values): Float32Array {
    return of.subarray(t.offset, t.offset + t.size);
  }

  segments(): { offset: number; size: number; decay: boolean }[] {
    return this.tensors.map((t) => ({ offset: t.offset, size: t.size, decay: t.decay }));
  }

  byName(name: string): ParameterTensor | undefined {
    return this.tensors.find((t) => t.name === name);
  }
}

/** Lays tensors out one after another in a new flat vector. */
export function layoutParameters(specs: readonly (Omit<ParameterTensor, 'offset' | 'size'> & { data?: ArrayLike<number> })[]): ParameterSet {
  let offset = 0;
  const tensors: ParameterTensor[] = specs.map(({ data: _data, ...s }) => {
    const size = s.dims.reduce((a, b) => a * b, 1);
    const t = { ...s, offset, size };
    offset += size;
    return t;
  });
  const values = new Float32Array(offset);
  specs.forEach((s, i) => {
    if (s.data) values.set(s.data, tensors[i]!.offset);
  });
  return new ParameterSet(tensors, values);
}

/** What is needed of the checkpoint: which names it holds. */
export interface CheckpointNames {
  has(name: string): boolean;
}

/**
 * The checkpoint tensor behind a graph initializer, if it is one: the same name, or the name
 * without the exporter's `.T` suffix (a linear weight stored transposed). Constants the exporter
 * makes (RoPE frequencies, scales, shapes) have no checkpoint tensor and stay in the graph.
 */
export function checkpointTensorOf(initializer: string, checkpoint: CheckpointNames): { hfName: string; transposed: boolean } | undefined {
  if (initializer.endsWith('.T') && checkpoint.has(initializer.slice(0, -2))) return { hfName: initializer.slice(0, -2), transposed: true };
  if (checkpoint.has(initializer)) return { hfName: initializer, transposed: false };
  // GPT-2 checkpoints may omit the `transformer.` prefix the exporter always writes.
  const dot = initializer.indexOf('.');
  if (dot > 0 && checkpoint.has(initializer.slice(dot + 1))) return { hfName: initializer.slice(dot + 1), transposed: false };
  return undefined;
}

/**
 * Full fine tuning: every float32 initializer that is a checkpoint weight becomes a graph input
 * fed from the returned ParameterSet. A tied embedding is one tensor used twice (lookup and LM
 * head), so it is one parameter, counted once, whose gradient sums both uses.
 */
export function weightsAsInputs(model: OnnxModel, checkpoint: CheckpointNames): { model: OnnxModel; params: ParameterSet } {
  const specs: (Omit<ParameterTensor, 'offset' | 'size'> & { data: ArrayLike<number> })[] = [];
  const kept: Graph['initializers'] = [];
  for (const init of model.graph.initializers) {
    const source = init.dataType === 'float32' ? checkpointTensorOf(init.name, checkpoint) : undefined;
    if (!source) {
      kept.push(init);
      continue;
    }
    specs.push({ name: init.name, hfName: source.hfName, dims: [...init.dims], transposed: source.transposed, decay: init.dims.length >= 2, data: init.data as Float32Array });
  }
  if (specs.length === 0) throw new Error('fine tuning: no initializer of the graph is a checkpoint weight (is this an exported safetensors model?)');
  const params = layoutParameters(specs);
  const graph: Graph = {
    ...model.graph,
    initializers: kept,
    inputs: [...model.graph.inputs, ...params.tensors.map((t) => ({ name: t.name, dataType: 'float32' as const, shape: t.dims }))],
    nodes: [...model.graph.nodes],
    outputs: [...model.graph.outputs],
    valueInfo: [...model.graph.valueInfo],
  };
  return { model: { ...model, graph }, params };
}

/** A trained tensor in its checkpoint layout (transposed back where the graph transposed it). */
export function checkpointLayout(params: ParameterSet, t: ParameterTensor): { shape: number[]; data: Float32Array } {
  const v = params.view(t);
  if (!t.transposed) return { shape: [...t.dims], data: Float32Array.from(v) };
  const [inp, out] = t.dims as [number, number];
  return { shape: [out, inp], data: transposed(v, inp, out) };
}
