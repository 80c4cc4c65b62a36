// Dead-node removal: after graph surgery rewires an output (e.g. a loss head that computes only
// the scored positions' logits), the nodes no graph output needs any more would still run in
// ONNX Runtime, which executes every node of a graph whatever is fetched.
import type { Graph, OnnxNode } from './ir';

/** Value names a node reads, those its subgraphs (If/Loop/Scan bodies) read from outside included. */
function reads(node: OnnxNode): string[] {
  const names = node.inputs.filter((i) => i !== '');
  for (const attr of Object.values(node.attributes)) {
    if (attr.type !== 'graph') continue;
    for (const inner of attr.value.nodes) names.push(...reads(inner));
    names.push(...attr.value.outputs.map((o) => o.name));
  }
  return names;
}

/**
 * A copy of the graph without the nodes (and initializers) that no graph output depends on.
 * Nodes must be in topological order, as ONNX requires. Graph inputs are kept as they are.
 */
export function pruneDeadNodes(graph: Graph): Graph {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const keep = new Array<boolean>(graph.nodes.length).fill(false);
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const node = graph.nodes[k]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    keep[k] = true;
    for (const name of reads(node)) needed.add(name);
  }
  return {
    ...graph,
    nodes: graph.nodes.filter((_, k) => keep[k]),
    initializers: graph.initializers.filter((t) => needed.has(t.name)),
    valueInfo: graph.valueInfo.filter((v) => needed.has(v.name)),
  };
}
