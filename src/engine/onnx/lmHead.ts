// The LM head of a causal LM graph: the nodes from the final hidden states [rows, T, d] to the
// logits output. Found by walking back from the logits through position-wise nodes (one input
// computed from the graph inputs, the others constant) up to and including the first matrix
// product (MatMul, Gemm or com.microsoft MatMulNBits). Replaying those nodes on gathered rows
// computes the logits of a few positions without the full [rows, T, V] product.
import type { GraphBuilder } from './builder';
import type { Graph, OnnxNode } from './ir';

const MATRIX_PRODUCTS = new Set(['MatMul', 'Gemm', 'MatMulNBits']);
/** Position-wise ops that may follow the head's product (bias, soft-capping, casts). */
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Tanh', 'Cast', 'Identity']);

export interface LmHead {
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

export function findLmHead(graph: Graph, logits: string): LmHead | undefined {
  const producer = new Map<string, OnnxNode>();
  for (const node of graph.nodes) for (const o of node.outputs) producer.set(o, node);
  const constant = constantValues(graph);
  const chain: LmHead['chain'] = [];
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
 * The head's output at the flat positions `positions` (int64 [N], each r·T + t): the hidden
 * states are flattened to [rows·T, d], the N rows gathered, and the head's nodes replayed on them.
 * Node names start with `prefix`.
 */
export function headAtPositions(b: GraphBuilder, head: LmHead, positions: string, prefix: string): string {
  const rows = b.op('Flatten', [head.hidden], { axis: -1 }, { name: `${prefix}FlattenHidden` });
  let picked = b.op('Gather', [rows, positions], { axis: 0 }, { name: `${prefix}GatherHidden` });
  for (const { node, rowsInput } of head.chain) picked = replayHeadNode(b, node, rowsInput, picked, prefix);
  return picked;
}

/** A head node again, on gathered rows [N, d] instead of the hidden states [rows, T, d]. */
function replayHeadNode(b: GraphBuilder, node: OnnxNode, rowsInput: number, rows: string, prefix: string): string {
  const name = `${prefix}${node.opType}Head`;
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
