// The logits of the scored positions only. A loss reads a few positions per example (the class
// verbalizers' tokens), so the LM head runs on those hidden states alone: the hidden states
// [rows, T, d] are gathered at the scored positions first and the head's nodes are replayed on
// them, instead of computing [rows, T, V] logits and gathering afterwards (at V = 49,152 that
// full product, and its dense gradient, cost more than the rest of the model).
//
// The head is found by walking back from the logits output through position-wise nodes: one
// input computed from the graph inputs, the others constant (initializers), up to and including
// the first matrix product (MatMul, Gemm or com.microsoft MatMulNBits). A graph whose logits come
// out of anything else keeps the general path: full logits, then the gather.
import type { GraphBuilder } from '../../onnx/builder';
import type { DataType, Graph, OnnxNode } from '../../onnx/ir';

const MATRIX_PRODUCTS = new Set(['MatMul', 'Gemm', 'MatMulNBits']);
/** Position-wise ops that may follow the head's product (bias, soft-capping, casts). */
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Tanh', 'Cast', 'Identity']);

interface Head {
  /** The hidden states the head reads, [rows, T, d]. */
  hidden: string;
  /** The head's nodes, from the product to the logits, each with the input that carries the rows. */
  chain: { node: OnnxNode; rowsInput: number }[];
}

/** Values that depend on no graph input: initializers, Constant nodes and nodes of constants only. */
function constantValues(graph: Graph): Set<string> {
  const constant = new Set(graph.initializers.map((t) => t.name));
  for (const input of graph.inputs) constant.delete(input.name);
  for (const node of graph.nodes) {
    const inputs = node.inputs.filter((i) => i !== '');
    if (node.opType === 'Constant' || (inputs.length > 0 && inputs.every((i) => constant.has(i)))) for (const o of node.outputs) constant.add(o);
  }
  return constant;
}

export function findLmHead(graph: Graph, logits: string): Head | undefined {
  const producer = new Map<string, OnnxNode>();
  for (const node of graph.nodes) for (const o of node.outputs) producer.set(o, node);
  const constant = constantValues(graph);
  const chain: Head['chain'] = [];
  let value = logits;
  for (;;) {
    const node = producer.get(value);
    if (node?.outputs.length !== 1) return undefined;
    const dynamic = node.inputs.flatMap((i, k) => (i !== '' && !constant.has(i) ? [k] : []));
    if (dynamic.length !== 1) return undefined;
    const rowsInput = dynamic[0]!;
    const product = MATRIX_PRODUCTS.has(node.opType);
    if (product ? rowsInput !== 0 : !ELEMENTWISE.has(node.opType) || (node.domain ?? '') !== '') return undefined;
    if (node.opType === 'Gemm' && (node.attributes['transA']?.value ?? 0) !== 0) return undefined;
    chain.unshift({ node, rowsInput });
    value = node.inputs[rowsInput]!;
    if (product) return { hidden: value, chain };
  }
}

/**
 * Emits the logits at the flat positions `positions` (int64 [...], each r·T + t) as float32
 * [...positions, V], `logits` being the model's logits output [rows, T, V]: through the LM head
 * on the gathered hidden states when the head is found, else gathered from the full logits.
 */
export function scoredLogits(b: GraphBuilder, logits: { name: string; dataType: DataType; vocab: number }, positions: string): string {
  const { vocab } = logits;
  const graph = b.graph;
  const flatPositions = b.op('Reshape', [positions, b.constInt64([-1], [1], 'loss_flat')], {}, { name: 'LossFlatPositions' });
  const head = findLmHead(graph, logits.name);
  let picked: string;
  if (!head) {
    const flat = b.op('Reshape', [logits.name, b.constInt64([-1, vocab], [2], 'loss_flat_shape')], {}, { name: 'LossFlattenLogits' });
    picked = b.op('Gather', [flat, flatPositions], { axis: 0 }, { name: 'LossGatherPositions' });
  } else {
    const rows = b.op('Flatten', [head.hidden], { axis: -1 }, { name: 'LossFlattenHidden' });
    picked = b.op('Gather', [rows, flatPositions], { axis: 0 }, { name: 'LossGatherHidden' });
    for (const { node, rowsInput } of head.chain) picked = replay(b, node, rowsInput, picked);
  }
  if (logits.dataType !== 'float32') picked = b.op('Cast', [picked], { to: 1 }, { name: 'LossLogitsToFloat' });
  const shape = b.op('Concat', [b.op('Shape', [positions], {}, { name: 'LossPositionsShape' }), b.constInt64([vocab], [1], 'loss_vocab')], { axis: 0 }, { name: 'LossLogitsShape' });
  return b.op('Reshape', [picked, shape], {}, { name: 'LossScoredLogits' });
}

/** The head node again, on the gathered rows [N, d] instead of the hidden states. */
function replay(b: GraphBuilder, node: OnnxNode, rowsInput: number, rows: string): string {
  const name = `Loss${node.opType}Head`;
  // A tied head multiplies by Transpose(table): Gemm's transB reads the table as it is, where
  // the Transpose would make ONNX Runtime fold a transposed copy of the table into the session.
  const transposed = node.opType === 'MatMul' ? b.graph.nodes.find((n) => n.opType === 'Transpose' && n.outputs[0] === node.inputs[1]) : undefined;
  const perm = transposed?.attributes['perm'];
  if (transposed && perm?.type === 'ints' && perm.value.length === 2 && perm.value[0] === 1 && perm.value[1] === 0) {
    return b.op('Gemm', [rows, transposed.inputs[0]!], { transB: 1 }, { name });
  }
  const inputs = node.inputs.map((input, k) => (k === rowsInput ? rows : input));
  return b.node(node.opType, inputs, node.attributes, { name, domain: node.domain })[0]!;
}
