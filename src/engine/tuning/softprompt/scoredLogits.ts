// The logits of the scored positions only. A loss reads a few positions per example (the class
// verbalizers' tokens), so the LM head runs on those hidden states alone: the hidden states
// [rows, T, d] are gathered at the scored positions first and the head's nodes are replayed on
// them, instead of computing [rows, T, V] logits and gathering afterwards (at V = 49,152 that
// full product, and its dense gradient, cost more than the rest of the model).
// The head is found by findLmHead (onnx/lmHead.ts); a graph whose logits come out of anything
// else keeps the general path: full logits, then the gather.
import type { GraphBuilder } from '../../onnx/builder';
import type { DataType } from '../../onnx/ir';
import { findLmHead, headAtPositions } from '../../onnx/lmHead';

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
    picked = headAtPositions(b, head, flatPositions, 'Loss');
  }
  if (logits.dataType !== 'float32') picked = b.op('Cast', [picked], { to: 1 }, { name: 'LossLogitsToFloat' });
  const shape = b.op('Concat', [b.op('Shape', [positions], {}, { name: 'LossPositionsShape' }), b.constInt64([vocab], [1], 'loss_vocab')], { axis: 0 }, { name: 'LossLogitsShape' });
  return b.op('Reshape', [picked, shape], {}, { name: 'LossScoredLogits' });
}
