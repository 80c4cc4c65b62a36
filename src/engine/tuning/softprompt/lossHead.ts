// Appends the tuning loss to a causal LM graph, in standard ONNX ops the autodiff knows:
//   class_scores[e,c] = Σ_k mask[e,c,k] · log_softmax(logits[row(e,c,k)])[token(e,c,k)]
//   classification: loss = −Σ_e,c w[e,c] · log_softmax(class_scores[e])[c], w = one-hot / E
//   generation:     loss = −Σ_e w[e] · class_scores[e],                       w = 1 / #targets
// Which positions and tokens are scored comes in as index/weight inputs (see batchFeeds.ts), so
// one graph serves every batch shape; only the scored positions go through the LM head and a
// LogSoftmax (scoredLogits.ts), and the token is picked with GatherElements, so nothing of size
// [E, C, K, V] is fed. The model's own outputs (full logits, KV cache) are dropped, and with them
// every node that only they needed.
import { GraphBuilder } from '../../onnx/builder';
import type { OnnxModel } from '../../onnx/ir';
import { pruneDeadNodes } from '../../onnx/prune';
import { scoredLogits } from './scoredLogits';

export type LossKind = 'classification' | 'generation';

export const LOSS_INPUTS = { scoreRows: 'score_rows', scoreTokens: 'score_tokens', scoreMask: 'score_mask', labelWeights: 'label_weights' } as const;
export const LOSS_OUTPUTS = { loss: 'loss', classScores: 'class_scores' } as const;
/** The symbolic dims of the loss inputs: examples E, classes C, verbalizer tokens K. */
export const LOSS_DIMS = { examples: 'examples', classes: 'classes', maxTokens: 'max_tokens' } as const;

export function appendLossHead(model: OnnxModel, kind: LossKind, logits = 'logits'): OnnxModel {
  const out = model.graph.outputs.find((o) => o.name === logits);
  if (!out) throw new Error(`loss head: the graph has no output named '${logits}'`);
  const vocab = out.shape?.[2];
  if (typeof vocab !== 'number') throw new Error(`loss head: output '${logits}' must have a fixed vocabulary dimension, got ${JSON.stringify(out.shape)}`);
  const graph = { ...model.graph, nodes: [...model.graph.nodes], initializers: [...model.graph.initializers], inputs: [...model.graph.inputs], valueInfo: [...model.graph.valueInfo], outputs: [] };
  const b = new GraphBuilder(graph);
  const { examples: E, classes: C, maxTokens: K } = LOSS_DIMS;
  const rows = b.input(LOSS_INPUTS.scoreRows, 'int64', [E, C, K]);
  const tokens = b.input(LOSS_INPUTS.scoreTokens, 'int64', [E, C, K, 1]);
  const mask = b.input(LOSS_INPUTS.scoreMask, 'float32', [E, C, K, 1]);
  const labelWeights = b.input(LOSS_INPUTS.labelWeights, 'float32', [E, C]);
  const picked = scoredLogits(b, { name: logits, dataType: out.dataType, vocab }, rows);
  const logProbs = b.op('LogSoftmax', [picked], { axis: -1 }, { name: 'LossLogSoftmaxVocab' });
  const picked1 = b.op('GatherElements', [logProbs, tokens], { axis: 3 }, { name: 'LossPickTokens' });
  const tokenLogProbs = b.op('Mul', [picked1, mask], {}, { name: 'LossMaskPadding' });
  const scores = b.op('ReduceSum', [tokenLogProbs, b.constInt64([2, 3], [2], 'loss_sum_axes')], { keepdims: 0 }, { name: 'LossClassScores', output: LOSS_OUTPUTS.classScores });
  const perClass = kind === 'classification' ? b.op('LogSoftmax', [scores], { axis: 1 }, { name: 'LossLogSoftmaxClasses' }) : scores;
  const weighted = b.op('Mul', [perClass, labelWeights], {}, { name: 'LossWeightLabels' });
  const total = b.op('ReduceSum', [weighted], { keepdims: 0 }, { name: 'LossSum' });
  b.op('Neg', [total], {}, { name: 'LossNeg', output: LOSS_OUTPUTS.loss });
  b.output(LOSS_OUTPUTS.loss, 'float32', []);
  b.output(LOSS_OUTPUTS.classScores, 'float32', [E, C]);
  return { ...model, graph: pruneDeadNodes(b.graph) };
}
