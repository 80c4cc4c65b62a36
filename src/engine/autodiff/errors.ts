// The one error type of the autodiff: its message names the op type and node, so a user whose
// model cannot be differentiated learns exactly which node is in the way.
import type { OnnxNode } from '../onnx/ir';

export class AutodiffError extends Error {
  override readonly name = 'AutodiffError';
}

/** "op MatMul (node /model/layers.0/MatMul)" — the way every message names a node. */
export function describeNode(node: OnnxNode): string {
  const domain = node.domain ? `${node.domain}.` : '';
  return `op ${domain}${node.opType} (node ${node.name || `producing ${node.outputs[0] ?? '?'}`})`;
}
