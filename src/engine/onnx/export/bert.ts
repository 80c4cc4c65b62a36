// BertForMaskedLM (config.json + model.safetensors) → ONNX, plain ops, fp32, named as
// transformers.js expects: input_ids, attention_mask, token_type_ids → logits [batch, seq, vocab].
// Post-LayerNorm encoder, then the MLM head (dense → GELU → LayerNorm) and a decoder tied to
// the word embeddings (`bert.embeddings.word_embeddings.weight`, read by ONE Gather on input_ids).
import { GraphBuilder } from '../builder';
import type { OnnxModel } from '../ir';
import { configInt, configNumber, ExportError, type HfConfig } from './hfConfig';
import {
  activation,
  activationKind,
  attention,
  layerNorm,
  linear,
  mergeHeads,
  paddingMaskBias,
  splitHeads,
  transposed,
  type TensorLookup,
  WeightSet,
  weight,
} from './transformerBlocks';

export interface BertConfig {
  hidden: number;
  layers: number;
  heads: number;
  headDim: number;
  inner: number;
  vocab: number;
  positions: number;
  typeVocab: number;
  epsilon: number;
  activation: ReturnType<typeof activationKind>;
}

export function readBertConfig(config: HfConfig): BertConfig {
  const hidden = configInt(config, 'hidden_size');
  const heads = configInt(config, 'num_attention_heads');
  if (hidden % heads !== 0) throw new ExportError(`${config.path}: hidden_size ${hidden} is not divisible by num_attention_heads ${heads}`);
  const positionType = config.json['position_embedding_type'] ?? 'absolute';
  if (positionType !== 'absolute') throw new ExportError(`${config.path}: position_embedding_type ${JSON.stringify(positionType)} is not supported (only "absolute")`);
  return {
    hidden,
    heads,
    headDim: hidden / heads,
    layers: configInt(config, 'num_hidden_layers'),
    inner: configInt(config, 'intermediate_size'),
    vocab: configInt(config, 'vocab_size'),
    positions: configInt(config, 'max_position_embeddings', 512),
    typeVocab: configInt(config, 'type_vocab_size', 2),
    epsilon: configNumber(config, 'layer_norm_eps', 1e-12),
    activation: activationKind(config.json['hidden_act'] ?? 'gelu', config.path, 'hidden_act'),
  };
}

/** Builds the ONNX graph; `weights` resolves names with or without the `bert.` prefix. */
export function exportBert(config: HfConfig, checkpoint: TensorLookup & { files: string[] }): OnnxModel {
  const c = readBertConfig(config);
  const weights = new WeightSet(checkpoint, checkpoint.files.join(', '), 'bert.');
  const b = new GraphBuilder('bert');
  const d = c.hidden;
  const inputIds = b.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = b.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const tokenTypeIds = b.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);

  const param = (name: string, dims: number[], ...aliases: string[]) => weight(b, name, dims, weights.take(name, dims, ...aliases));
  /** LayerNorm scale/bias; old checkpoints call them gamma/beta. */
  const norm = (x: string, p: string) =>
    layerNorm(b, x, param(`${p}.weight`, [d], `${p}.gamma`), param(`${p}.bias`, [d], `${p}.beta`), c.epsilon);
  /** A torch Linear: weight [out, in] is stored transposed ([in, out]) for MatMul. */
  const dense = (x: string, p: string, inDim: number, outDim: number) => {
    const w = weight(b, `${p}.weight.T`, [inDim, outDim], transposed(weights.take(`${p}.weight`, [outDim, inDim]), outDim, inDim));
    return linear(b, x, w, param(`${p}.bias`, [outDim]));
  };

  const wordTable = param('bert.embeddings.word_embeddings.weight', [c.vocab, d]);
  const words = b.op('Gather', [wordTable, inputIds], { axis: 0 });
  const seq = b.op('Gather', [b.op('Shape', [inputIds]), b.constInt64([1], [])], { axis: 0 });
  const positionIds = b.op('Unsqueeze', [b.op('Range', [b.constInt64([0], []), seq, b.constInt64([1], [])]), b.constInt64([0])]);
  const positions = b.op('Gather', [param('bert.embeddings.position_embeddings.weight', [c.positions, d]), positionIds], { axis: 0 });
  const types = b.op('Gather', [param('bert.embeddings.token_type_embeddings.weight', [c.typeVocab, d]), tokenTypeIds], { axis: 0 });
  let x = norm(b.op('Add', [b.op('Add', [words, positions]), types]), 'bert.embeddings.LayerNorm');
  const maskBias = paddingMaskBias(b, attentionMask);

  for (let i = 0; i < c.layers; i++) {
    const p = `bert.encoder.layer.${i}.`;
    const heads = (name: string) => splitHeads(b, dense(x, `${p}attention.self.${name}`, d, d), c.heads, c.headDim);
    const context = mergeHeads(b, attention(b, heads('query'), heads('key'), heads('value'), maskBias, 1 / Math.sqrt(c.headDim)), d);
    x = norm(b.op('Add', [x, dense(context, `${p}attention.output.dense`, d, d)]), `${p}attention.output.LayerNorm`);
    const up = activation(b, dense(x, `${p}intermediate.dense`, d, c.inner), c.activation);
    x = norm(b.op('Add', [x, dense(up, `${p}output.dense`, c.inner, d)]), `${p}output.LayerNorm`);
  }

  const transform = norm(activation(b, dense(x, 'cls.predictions.transform.dense', d, d), c.activation), 'cls.predictions.transform.LayerNorm');
  const decoded = b.op('MatMul', [transform, b.op('Transpose', [wordTable], { perm: [1, 0] })]);
  const bias = param('cls.predictions.bias', [c.vocab], 'cls.predictions.decoder.bias');
  b.op('Add', [decoded, bias], {}, { output: 'logits' });
  b.output('logits', 'float32', ['batch_size', 'sequence_length', c.vocab]);
  return b.build({ producerName: 'promptsmith-export', metadata: { architecture: 'BertForMaskedLM' } });
}
