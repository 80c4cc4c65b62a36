// Graph surgery for soft prompt tuning (Lester et al. 2021; PEFT placement): a new graph input
// `soft_prompt [n, d]` is concatenated under the token-embedding table, so ids V..V+n-1 look up
// the virtual tokens while the tied LM head keeps reading the ORIGINAL table (vocabulary V).
import type { Graph, OnnxModel, OnnxNode, TensorData } from '../../onnx/ir';

export const SOFT_PROMPT_INPUT = 'soft_prompt';

export class SurgeryError extends Error {}

export interface SoftPromptGraph {
  model: OnnxModel;
  /** Vocabulary size V: virtual token i has id V + i. */
  vocabSize: number;
  /** Hidden size d (the table's second dimension). */
  hidden: number;
  numVirtualTokens: number;
  /** The embedding table the lookup reads (for init from vocabulary and nearest tokens). */
  table: TensorData;
}

/** The token-embedding lookup: a Gather on a 2-D float initializer indexed by `input_ids`. */
export function findEmbeddingGather(graph: Graph): { node: OnnxNode; table: TensorData } {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const candidates = graph.nodes.filter((n) => {
    if (n.opType !== 'Gather' || (n.domain ?? '') !== '') return false;
    const t = inits.get(n.inputs[0] ?? '');
    return t !== undefined && t.dims.length === 2 && t.dataType === 'float32' && n.inputs[1] === 'input_ids';
  });
  if (candidates.length !== 1) {
    throw new SurgeryError(
      `soft prompt surgery: expected exactly one embedding Gather reading a float32 [V, d] initializer with 'input_ids', found ${candidates.length}`,
    );
  }
  const node = candidates[0]!;
  return { node, table: inits.get(node.inputs[0]!)! };
}

/**
 * Returns a new model (nodes and inputs copied, initializers shared) whose embedding Gather
 * reads Concat(table, soft_prompt). The input model is not modified.
 */
export function addSoftPromptInput(model: OnnxModel, numVirtualTokens: number): SoftPromptGraph {
  if (!Number.isInteger(numVirtualTokens) || numVirtualTokens < 1) {
    throw new SurgeryError(`soft prompt surgery: num_virtual_tokens must be a positive integer, got ${numVirtualTokens}`);
  }
  const { node, table } = findEmbeddingGather(model.graph);
  if (model.graph.inputs.some((i) => i.name === SOFT_PROMPT_INPUT)) {
    throw new SurgeryError(`soft prompt surgery: the graph already has an input named '${SOFT_PROMPT_INPUT}'`);
  }
  const [vocabSize, hidden] = table.dims as [number, number];
  const used = new Set(model.graph.nodes.flatMap((n) => n.outputs));
  let concatOut = 'embed_tokens_with_soft_prompt';
  while (used.has(concatOut)) concatOut += '_';
  const concat: OnnxNode = {
    name: 'SoftPromptConcat',
    opType: 'Concat',
    inputs: [table.name, SOFT_PROMPT_INPUT],
    outputs: [concatOut],
    attributes: { axis: { type: 'int', value: 0 } },
  };
  const nodes: OnnxNode[] = [];
  for (const n of model.graph.nodes) {
    if (n === node) nodes.push(concat, { ...n, inputs: [concatOut, ...n.inputs.slice(1)] });
    else nodes.push(n);
  }
  const graph: Graph = {
    ...model.graph,
    nodes,
    inputs: [...model.graph.inputs, { name: SOFT_PROMPT_INPUT, dataType: 'float32', shape: [numVirtualTokens, hidden] }],
    outputs: [...model.graph.outputs],
    valueInfo: [...model.graph.valueInfo],
  };
  return { model: { ...model, graph }, vocabSize, hidden, numVirtualTokens, table };
}

/** The ids that select the virtual tokens: V, V+1, …, V+n-1. */
export function virtualTokenIds(vocabSize: number, numVirtualTokens: number): number[] {
  return Array.from({ length: numVirtualTokens }, (_, i) => vocabSize + i);
}
