// GPT2LMHeadModel (config.json + model.safetensors) → ONNX, plain ops, fp32, with the
// transformers.js decoder names: input_ids, attention_mask, position_ids,
// past_key_values.{i}.key|value → logits, present.{i}.key|value.
// The token embedding is ONE Gather on the initializer `transformer.wte.weight` with indices
// `input_ids` (soft prompt surgery splices onto it); the LM head is tied to the same table.
import { GraphBuilder } from '../builder';
import type { OnnxModel } from '../ir';
import { configBool, configInt, configNumber, ExportError, type HfConfig } from './hfConfig';
import {
  activation,
  activationKind,
  attention,
  causalMaskBias,
  layerNorm,
  linear,
  mergeHeads,
  splitHeads,
  type TensorLookup,
  WeightSet,
  weight,
} from './transformerBlocks';

export interface Gpt2Config {
  hidden: number;
  layers: number;
  heads: number;
  headDim: number;
  inner: number;
  vocab: number;
  positions: number;
  epsilon: number;
  activation: ReturnType<typeof activationKind>;
  /** `scale_attn_weights` (default true): divide scores by √headDim. */
  scaleByHeadDim: boolean;
  /** `scale_attn_by_inverse_layer_idx` (default false): also divide layer i's scores by i + 1. */
  scaleByLayer: boolean;
}

export function readGpt2Config(config: HfConfig): Gpt2Config {
  const hidden = configInt(config, 'n_embd');
  const heads = configInt(config, 'n_head');
  if (hidden % heads !== 0) throw new ExportError(`${config.path}: n_embd ${hidden} is not divisible by n_head ${heads}`);
  if (config.json['tie_word_embeddings'] === false) throw new ExportError(`${config.path}: untied GPT-2 LM heads (tie_word_embeddings: false) are not supported`);
  return {
    hidden,
    heads,
    headDim: hidden / heads,
    layers: configInt(config, 'n_layer'),
    inner: config.json['n_inner'] == null ? 4 * hidden : configInt(config, 'n_inner'),
    vocab: configInt(config, 'vocab_size'),
    positions: configInt(config, 'n_positions', 1024),
    epsilon: configNumber(config, 'layer_norm_epsilon', 1e-5),
    activation: activationKind(config.json['activation_function'] ?? 'gelu_new', config.path, 'activation_function'),
    scaleByHeadDim: configBool(config, 'scale_attn_weights', true),
    scaleByLayer: configBool(config, 'scale_attn_by_inverse_layer_idx', false),
  };
}

export interface Gpt2ExportOptions {
  /** Default true: past_key_values inputs and present outputs (KV cache). */
  withPast?: boolean;
}

/** Builds the ONNX graph; `weights` resolves names with or without the `transformer.` prefix. */
export function exportGpt2(config: HfConfig, checkpoint: TensorLookup & { files: string[] }, options: Gpt2ExportOptions = {}): OnnxModel {
  const c = readGpt2Config(config);
  const withPast = options.withPast ?? true;
  const weights = new WeightSet(checkpoint, checkpoint.files.join(', '), 'transformer.');
  const b = new GraphBuilder('gpt2');
  const d = c.hidden;

  const inputIds = b.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = b.input('attention_mask', 'int64', ['batch_size', withPast ? 'total_sequence_length' : 'sequence_length']);
  const positionIds = b.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const pastShape = ['batch_size', c.heads, 'past_sequence_length', c.headDim];
  const past = Array.from({ length: withPast ? c.layers : 0 }, (_, i) => ({
    key: b.input(`past_key_values.${i}.key`, 'float32', pastShape),
    value: b.input(`past_key_values.${i}.value`, 'float32', pastShape),
  }));

  const wte = weight(b, 'transformer.wte.weight', [c.vocab, d], weights.lazy('transformer.wte.weight', [c.vocab, d]));
  const wpe = weight(b, 'transformer.wpe.weight', [c.positions, d], weights.lazy('transformer.wpe.weight', [c.positions, d]));
  const tokens = b.op('Gather', [wte, inputIds], { axis: 0 });
  let x = b.op('Add', [tokens, b.op('Gather', [wpe, positionIds], { axis: 0 })]);
  const maskBias = causalMaskBias(b, inputIds, attentionMask);

  // Conv1D weights are already [in, out], so they feed MatMul as stored (read when written out).
  const param = (name: string, dims: number[]) => weight(b, name, dims, weights.lazy(name, dims));
  for (let i = 0; i < c.layers; i++) {
    const p = `transformer.h.${i}.`;
    const h1 = layerNorm(b, x, param(`${p}ln_1.weight`, [d]), param(`${p}ln_1.bias`, [d]), c.epsilon);
    const qkv = linear(b, h1, param(`${p}attn.c_attn.weight`, [d, 3 * d]), param(`${p}attn.c_attn.bias`, [3 * d]));
    const [q, k, v] = b.node('Split', [qkv, b.constInt64([d, d, d])], { axis: -1 }, { outputs: 3 }).map((t) => splitHeads(b, t, c.heads, c.headDim));
    let keys = k;
    let values = v;
    if (withPast) {
      keys = b.op('Concat', [past[i].key, k], { axis: 2 }, { output: `present.${i}.key` });
      values = b.op('Concat', [past[i].value, v], { axis: 2 }, { output: `present.${i}.value` });
    }
    const scale = (c.scaleByHeadDim ? 1 / Math.sqrt(c.headDim) : 1) / (c.scaleByLayer ? i + 1 : 1);
    const context = mergeHeads(b, attention(b, q, keys, values, maskBias, scale), d);
    x = b.op('Add', [x, linear(b, context, param(`${p}attn.c_proj.weight`, [d, d]), param(`${p}attn.c_proj.bias`, [d]))]);
    const h2 = layerNorm(b, x, param(`${p}ln_2.weight`, [d]), param(`${p}ln_2.bias`, [d]), c.epsilon);
    const up = activation(b, linear(b, h2, param(`${p}mlp.c_fc.weight`, [d, c.inner]), param(`${p}mlp.c_fc.bias`, [c.inner])), c.activation);
    x = b.op('Add', [x, linear(b, up, param(`${p}mlp.c_proj.weight`, [c.inner, d]), param(`${p}mlp.c_proj.bias`, [d]))]);
  }
  const final = layerNorm(b, x, param('transformer.ln_f.weight', [d]), param('transformer.ln_f.bias', [d]), c.epsilon);
  // Tied head: logits = h · wteᵀ, reading the original table (soft prompts never become outputs).
  b.op('MatMul', [final, b.op('Transpose', [wte], { perm: [1, 0] })], {}, { output: 'logits' });

  b.output('logits', 'float32', ['batch_size', 'sequence_length', c.vocab]);
  const presentShape = ['batch_size', c.heads, 'total_sequence_length', c.headDim];
  for (let i = 0; i < past.length; i++) {
    b.output(`present.${i}.key`, 'float32', presentShape);
    b.output(`present.${i}.value`, 'float32', presentShape);
  }
  return b.build({ producerName: 'promptsmith-export', metadata: { architecture: 'GPT2LMHeadModel' } });
}
