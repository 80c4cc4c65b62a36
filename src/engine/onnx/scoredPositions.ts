// A `logits_positions` input for causal LM graphs. Scoring reads the logits of a few positions
// per sequence (the continuation's tokens), yet a plain graph computes the LM head at every
// position and hands all [B, T, V] logits to JavaScript. Fed flat positions (b·T + t), this graph
// gathers the hidden states there and runs the head on those rows only, giving logits [1, n, V],
// log-softmax normalised in the graph (still logits: the softmax is the same, and no reader needs
// a log-sum-exp over V in JavaScript). Fed an empty list, it computes the full logits as before,
// so one session (one copy of the weights) serves generation and scoring alike. The input is
// required: onnxruntime-node neither lists nor takes an input that has a default initializer.
//
// ONNX Runtime runs every node of a graph whatever outputs a run asks for, so the choice is an
// If: the head's own nodes move into its full branch and are replayed on the gathered rows in the
// other.
import { GraphBuilder } from './builder';
import type { Graph, OnnxModel, OnnxNode } from './ir';
import { dataTypeCode } from './tensorTypes';
import { findLmHead, headAtPositions } from './lmHead';

export const LOGITS_POSITIONS = 'logits_positions';

/**
 * The graph with the `logits_positions` input, or undefined when its head is not a chain that
 * findLmHead recognises, or an intermediate value of the head is read elsewhere (the model then
 * keeps its plain logits).
 */
export function withScoredPositions(model: OnnxModel, logits = 'logits'): OnnxModel | undefined {
  const graph = model.graph;
  const out = graph.outputs.find((o) => o.name === logits);
  const vocab = out?.shape?.[2];
  const head = out && typeof vocab === 'number' && !graph.inputs.some((i) => i.name === LOGITS_POSITIONS) ? findLmHead(graph, logits) : undefined;
  if (!out || typeof vocab !== 'number' || !head) return undefined;
  const moved = new Set(head.chain.map((c) => c.node));
  const inner = new Set(head.chain.flatMap((c) => c.node.outputs).filter((o) => o !== logits));
  const readOutside = graph.nodes.some((n) => !moved.has(n) && n.inputs.some((i) => inner.has(i))) || graph.outputs.some((o) => inner.has(o.name));
  if (readOutside) return undefined;

  const outer: Graph = { ...graph, nodes: graph.nodes.filter((n) => !moved.has(n)), initializers: [...graph.initializers], inputs: [...graph.inputs], valueInfo: [...graph.valueInfo] };
  const b = new GraphBuilder(outer);
  // Branch values are built in the outer graph's builder (so no name shadows an outer one), then
  // moved into their branch.
  const takeBranch = (name: string, build: () => string): Graph => {
    const [nodes, inits] = [outer.nodes.length, outer.initializers.length];
    const result = build();
    return { name, nodes: outer.nodes.splice(nodes), initializers: outer.initializers.splice(inits), inputs: [], outputs: [{ name: result, dataType: out.dataType }], valueInfo: [] };
  };
  const fullBranch = takeBranch('all_positions', () => {
    const renamed = b.uniqueName(`${logits}_all_positions`);
    for (const { node } of head.chain) outer.nodes.push({ ...node, outputs: node.outputs.map((o) => (o === logits ? renamed : o)) });
    return renamed;
  });
  const scoredBranch = takeBranch('scored_positions', () => {
    let picked = headAtPositions(b, head, LOGITS_POSITIONS, 'Scored');
    // Normalised in float32 whatever the model's type, then given back in it (a branch's type is the If's).
    const half = out.dataType !== 'float32';
    if (half) picked = b.op('Cast', [picked], { to: dataTypeCode('float32') }, { name: 'ScoredToFloat' });
    picked = b.op('LogSoftmax', [picked], { axis: -1 }, { name: 'ScoredLogSoftmax' });
    if (half) picked = b.op('Cast', [picked], { to: dataTypeCode(out.dataType) }, { name: 'ScoredToModelType' });
    return b.op('Reshape', [picked, b.constInt64([1, -1, vocab], [3], 'scored_logits_shape')], {}, { name: 'ScoredLogits' });
  });

  b.input(LOGITS_POSITIONS, 'int64', ['positions']);
  const count = b.op('Size', [LOGITS_POSITIONS], {}, { name: 'ScoredPositionsCount' });
  const all = b.op('Equal', [count, b.constInt64([0], [], 'scored_positions_none')], {}, { name: 'ScoredPositionsNone' });
  const ifNode: OnnxNode = {
    name: b.uniqueName('ScoredPositionsIf'),
    opType: 'If',
    domain: '',
    inputs: [all],
    outputs: [logits],
    attributes: { then_branch: { type: 'graph', value: fullBranch }, else_branch: { type: 'graph', value: scoredBranch } },
  };
  outer.nodes.push(ifNode);
  // Rows and positions depend on the branch taken.
  outer.outputs = graph.outputs.map((o) => (o.name === logits ? { ...o, shape: ['logits_rows', 'logits_positions', vocab] } : o));
  return { ...model, graph: outer };
}
