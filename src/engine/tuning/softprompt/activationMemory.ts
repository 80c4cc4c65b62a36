// How much memory one run of a training graph holds for its backward pass, read off the graph:
// the forward values the backward nodes read (what the gate's If takes from outside), sized by
// their inferred shapes for a batch of `rows` × `seqLen` tokens. The backward pass needs them
// all at once, so a batch that would hold more than the budget is run in groups (splitToFit).
// At SmolLM2-135M's size they come to about 134 MB per row of 64 tokens: a batch of 8 would
// hold over 1 GB beside the 0.5 GB of weights.
import { ShapeInfo } from '../../autodiff/shapeInference';
import type { Dim, Graph, OnnxModel } from '../../onnx/ir';
import { LOSS_DIMS } from './lossHead';

/** What one run may hold for its backward pass (estimate × SAFETY), unless the caller says otherwise. */
export const DEFAULT_ACTIVATION_BUDGET = 512 * 2 ** 20;
/** The backward pass's own temporaries come on top of the saved values (measured ≈ 1.35× at 135M). */
const SAFETY = 1.4;

/** A batch's shape: token rows × seqLen, and the loss inputs' examples × classes × verbalizer tokens. */
export interface BatchShape {
  rows: number;
  seqLen: number;
  examples: number;
  classes: number;
  maxTokens: number;
}

export type ActivationEstimate = (shape: BatchShape) => number;

/**
 * Bytes the backward pass of `gradModel` (built with a gate input, see buildGradientGraph) keeps
 * from the forward pass of `forward`, as a function of the batch; undefined without a gate.
 */
export function savedActivations(gradModel: OnnxModel, forward: Graph, gate: string): ActivationEstimate | undefined {
  const ifNode = gradModel.graph.nodes.find((n) => n.opType === 'If' && n.inputs[0] === gate);
  const branch = ifNode?.attributes['then_branch'];
  if (branch?.type !== 'graph') return undefined;
  const inner = new Set([...branch.value.nodes.flatMap((n) => n.outputs), ...branch.value.initializers.map((t) => t.name)]);
  const constant = new Set(gradModel.graph.initializers.map((t) => t.name));
  const saved = new Set(branch.value.nodes.flatMap((n) => n.inputs).filter((i) => i !== '' && !inner.has(i) && !constant.has(i)));
  const ids = forward.inputs.find((i) => i.name === 'input_ids')?.shape ?? [];
  // Symbolic dims by name; any other name is a sequence length (e.g. total_sequence_length).
  const named = new Map<Dim | undefined, keyof BatchShape>([
    [ids[0], 'rows'],
    [ids[1], 'seqLen'],
    [LOSS_DIMS.examples, 'examples'],
    [LOSS_DIMS.classes, 'classes'],
    [LOSS_DIMS.maxTokens, 'maxTokens'],
  ]);
  const info = new ShapeInfo(forward);
  // Each value as its bytes per unit of each named dim. A dim the shape pass could not name (a
  // flattened [rows·T, d], the gathered scored rows) counts 1: a few such values, far from the bulk.
  const terms: { bytes: number; dims: (keyof BatchShape)[] }[] = [];
  for (const name of saved) {
    const shape = info.shape(name);
    if (!shape) continue;
    let bytes = 4;
    const dims: (keyof BatchShape)[] = [];
    for (const d of shape) {
      if (typeof d === 'number') bytes *= d;
      else if (typeof d === 'string') dims.push(named.get(d) ?? 'seqLen');
    }
    terms.push({ bytes, dims });
  }
  return (shape) => SAFETY * terms.reduce((sum, t) => sum + t.dims.reduce((b, d) => b * shape[d], t.bytes), 0);
}
