// Graph surgery for the RLPrompt policy: the frozen causal LM's last hidden state (the input of
// its LM head, i.e. after the final norm) becomes a graph output, and the head's weights are
// read out so the trainable MLP can feed the same frozen head (RLPrompt: lm_head(mlp(s))).
import type { Graph, OnnxModel, TensorData } from '../../onnx/ir';

export const LAST_HIDDEN_STATE = 'last_hidden_state';

export class PolicySurgeryError extends Error {}

export interface HiddenStateGraph {
  /** The model with `last_hidden_state` [batch, seq, d] added to its outputs. */
  model: OnnxModel;
  hidden: number;
  vocab: number;
  /** The frozen LM head as a [d, V] row-major matrix (logits = h · headT). */
  headT: Float32Array;
}

/** [rows, cols] → [cols, rows]. */
function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** The head matrix a MatMul reads: an initializer [d, V], or Transpose(perm 1,0) of a [V, d] table. */
function headMatrix(graph: Graph, name: string): { headT: Float32Array; hidden: number; vocab: number } | undefined {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const float2d = (t: TensorData | undefined) => (t && t.dataType === 'float32' && t.dims.length === 2 ? t : undefined);
  const direct = float2d(inits.get(name));
  if (direct) return { headT: direct.data as Float32Array, hidden: direct.dims[0]!, vocab: direct.dims[1]! };
  const producer = graph.nodes.find((n) => n.outputs.includes(name));
  const perm = producer?.attributes.perm;
  if (producer?.opType !== 'Transpose' || (perm && (perm.type !== 'ints' || perm.value.join(',') !== '1,0'))) return undefined;
  const table = float2d(inits.get(producer.inputs[0] ?? ''));
  if (!table) return undefined;
  const [vocab, hidden] = table.dims as [number, number];
  return { headT: transposed(table.data as Float32Array, vocab, hidden), hidden, vocab };
}

/**
 * Returns a copy of `model` (nodes shared, lists copied) that also outputs the hidden state its
 * `logits` MatMul reads. Throws PolicySurgeryError when the head is not a plain MatMul.
 */
export function exposeLastHiddenState(model: OnnxModel, logits = 'logits'): HiddenStateGraph {
  const graph = model.graph;
  const node = graph.nodes.find((n) => n.outputs.includes(logits));
  if (node?.opType !== 'MatMul') {
    throw new PolicySurgeryError(`RL policy surgery: expected '${logits}' to come from a MatMul of the last hidden state and the LM head, found ${node ? `a ${node.opType} node` : 'no node'}`);
  }
  const head = headMatrix(graph, node.inputs[1]!);
  if (!head) throw new PolicySurgeryError(`RL policy surgery: the LM head '${node.inputs[1]}' is neither a float32 [d, V] initializer nor the transposed [V, d] embedding table`);
  if (graph.outputs.some((o) => o.name === LAST_HIDDEN_STATE)) throw new PolicySurgeryError(`RL policy surgery: the graph already has an output named '${LAST_HIDDEN_STATE}'`);
  const hiddenValue = node.inputs[0]!;
  const nodes = [...graph.nodes];
  // Graph outputs must be produced under their own name: an Identity gives the hidden state one.
  nodes.push({ name: 'ExposeLastHiddenState', opType: 'Identity', inputs: [hiddenValue], outputs: [LAST_HIDDEN_STATE], attributes: {} });
  const outputs = [...graph.outputs, { name: LAST_HIDDEN_STATE, dataType: 'float32' as const, shape: ['batch_size', 'sequence_length', head.hidden] }];
  return { model: { ...model, graph: { ...graph, nodes, outputs, valueInfo: [...graph.valueInfo] } }, ...head };
}
