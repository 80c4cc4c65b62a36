// Which nodes lie on a differentiable path from a wrt tensor to the loss. Everything else —
// shape arithmetic, masks, position ids, integer paths, outputs the loss does not use — gets
// no gradient nodes at all.
import type { Graph, OnnxNode } from '../onnx/ir';
import { differentiableInputsOf } from './registry';

export interface PathInfo {
  /** Values that depend differentiably on a wrt tensor. */
  fromWrt: Set<string>;
  /** Nodes between the wrt tensors and the loss, in forward (topological) order. */
  onPath: OnnxNode[];
}

export function analysePaths(graph: Graph, wrt: string[], loss: string): PathInfo {
  const fromWrt = new Set(wrt);
  for (const node of graph.nodes) {
    if (differentiableInputsOf(node).some((i) => fromWrt.has(node.inputs[i]!))) {
      for (const o of node.outputs) if (o) fromWrt.add(o);
    }
  }
  const toLoss = new Set([loss]);
  const onPathReversed: OnnxNode[] = [];
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const node = graph.nodes[k]!;
    if (!node.outputs.some((o) => toLoss.has(o))) continue;
    const diffInputs = differentiableInputsOf(node).filter((i) => fromWrt.has(node.inputs[i]!));
    if (diffInputs.length === 0) continue;
    onPathReversed.push(node);
    for (const i of diffInputs) toLoss.add(node.inputs[i]!);
  }
  return { fromWrt, onPath: onPathReversed.reverse() };
}
