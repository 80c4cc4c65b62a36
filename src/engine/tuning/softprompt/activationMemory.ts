// How much memory one run of a training graph holds for its backward pass, read off the graph:
// the forward values the backward nodes read (what the gate's If takes from outside), sized by
// their inferred shapes for a batch of `rows` × `seqLen` tokens. The backward pass needs them
// all at once, so a batch that would hold more than the budget is run in groups (splitToFit).
// At SmolLM2-135M's size they come to about 134 MB per row of 64 tokens: a batch of 8 would
// hold over 1 GB beside the 0.5 GB of weights.
import { ShapeInfo } from '../../autodiff/shapeInference';
import type { Dim, Graph, OnnxModel } from '../../onnx/ir';

/** What one run may hold for its backward pass (estimate × SAFETY), unless the caller says otherwise. */
export const DEFAULT_ACTIVATION_BUDGET = 512 * 2 ** 20;
/** The backward pass's own temporaries come on top of the saved values (measured ≈ 1.35× at 135M). */
const SAFETY = 1.4;

export type ActivationEstimate = (rows: number, seqLen: number) => number;

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
  const batchDim = ids[0];
  const info = new ShapeInfo(forward);
  // Each value as (bytes, power of rows, power of seqLen): unknown dims count as seqLen (an upper bound here).
  const terms: [number, number, number][] = [];
  for (const name of saved) {
    const shape = info.shape(name);
    if (!shape) continue;
    let bytes = 4;
    let rowPower = 0;
    let seqPower = 0;
    for (const d of shape) {
      if (typeof d === 'number') bytes *= d;
      else if (isDim(d, batchDim)) rowPower++;
      else seqPower++;
    }
    terms.push([bytes, rowPower, seqPower]);
  }
  return (rows, seqLen) => SAFETY * terms.reduce((sum, [bytes, r, s]) => sum + bytes * rows ** r * seqLen ** s, 0);
}

function isDim(d: Dim, named: Dim | undefined): boolean {
  return typeof d === 'string' && d === named;
}
