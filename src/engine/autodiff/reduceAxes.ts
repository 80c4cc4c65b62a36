// The axes of a Reduce* node in either form (attribute before opset 18, input from 18), and the
// shared step of every reduction's gradient: broadcast the upstream gradient back to the input.
import type { OnnxNode } from '../onnx/ir';
import { attrInt, attrInts } from './attributes';
import type { GradEmitter } from './emitter';

export interface ReduceAxes {
  /** Name of a 1-D int64 tensor of axes; undefined = all axes. */
  axes?: string;
  /** Reducing nothing at all (empty axes with noop_with_empty_axes = 1). */
  identity: boolean;
  keepdims: boolean;
}

export function reduceAxes(em: GradEmitter, node: OnnxNode): ReduceAxes {
  const keepdims = attrInt(node, 'keepdims', 1) === 1;
  const noop = attrInt(node, 'noop_with_empty_axes', 0) === 1;
  const fromAttr = attrInts(node, 'axes');
  const input = node.inputs[1];
  if (fromAttr && fromAttr.length > 0) return { axes: em.intConst(fromAttr), identity: false, keepdims };
  if (input) {
    const known = em.info.constNumbers(input);
    if (known && known.length === 0) return { identity: noop, keepdims };
    return { axes: input, identity: false, keepdims };
  }
  return { identity: noop, keepdims };
}

/** The upstream gradient of a reduction, broadcast to the shape of the reduced input. */
export function expandReduced(em: GradEmitter, node: OnnxNode, g: string, r: ReduceAxes): string {
  const x = node.inputs[0]!;
  // Without keepdims the reduced axes are gone; put them back (Unsqueeze reads negative axes
  // against the output rank, which is x's rank, so the same axes tensor works).
  const kept = !r.keepdims && r.axes ? em.op1('Unsqueeze', [g, r.axes]) : g;
  return em.op1('Expand', [kept, em.shapeOf(x)]);
}
