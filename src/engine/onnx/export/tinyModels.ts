// Tiny RANDOM-weight GPT-2, Llama and BERT models for tests (shapes, masked LMs, speed), written
// from a fixed seed in the Hugging Face layout: config.json (marked as random), model.safetensors,
// tokenizer.json + tokenizer_config.json, and onnx/model.onnx made by the project's exporters.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel } from '../codec';
import { SafetensorsCheckpoint, type TensorToWrite, writeSafetensors } from '../safetensors';
import { exportBert } from './bert';
import { exportGpt2 } from './gpt2';
import { readHfConfig } from './hfConfig';
import { exportLlama } from './llama';
import { type TokenizerFiles, tinyBertTokenizer, tinyGpt2Tokenizer, tinyLlamaTokenizer } from './tinyTokenizers';

export type TinyModelKind = 'gpt2' | 'llama' | 'bert';
export const TINY_MODEL_KINDS: readonly TinyModelKind[] = ['gpt2', 'llama', 'bert'];

export const RANDOM_NOTE = 'RANDOM WEIGHTS, generated for tests — not a trained model';

/** Weight scale: larger than HF's 0.02 so that cache or masking bugs show up clearly in the logits. */
const INIT_STD = 0.1;

/** mulberry32: a small, fast, seedable PRNG with good statistics for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class TensorMaker {
  readonly tensors: TensorToWrite[] = [];
  private readonly uniform: () => number;

  constructor(
    seed: number,
    private readonly std = INIT_STD,
  ) {
    this.uniform = seededRandom(seed);
  }

  private normal(): number {
    // Box–Muller; 1 − u keeps the log argument in (0, 1].
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** N(mean, std²) entries. */
  add(name: string, shape: number[], std = this.std, mean = 0): void {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = mean + std * this.normal();
    this.tensors.push({ name, dtype: 'F32', shape, data });
  }

  /** LayerNorm/RMSNorm scale near 1. */
  norm(name: string, dim: number): void {
    this.add(name, [dim], this.std, 1);
  }
}

interface TinySpec {
  config: Record<string, unknown>;
  tensors: TensorToWrite[];
  tokenizer: TokenizerFiles;
  generation?: Record<string, unknown>;
}

const HIDDEN = 32;
const LAYERS = 2;
const HEADS = 4;
const INTERMEDIATE = 64;
const CONTEXT = 128;

function tinyGpt2(seed: number): TinySpec {
  const tokenizer = tinyGpt2Tokenizer(300);
  const v = tokenizer.vocabSize;
  const d = HIDDEN;
  const t = new TensorMaker(seed);
  t.add('transformer.wte.weight', [v, d]);
  t.add('transformer.wpe.weight', [CONTEXT, d]);
  for (let i = 0; i < LAYERS; i++) {
    const p = `transformer.h.${i}.`;
    t.norm(`${p}ln_1.weight`, d);
    t.add(`${p}ln_1.bias`, [d]);
    t.add(`${p}attn.c_attn.weight`, [d, 3 * d]);
    t.add(`${p}attn.c_attn.bias`, [3 * d]);
    t.add(`${p}attn.c_proj.weight`, [d, d]);
    t.add(`${p}attn.c_proj.bias`, [d]);
    t.norm(`${p}ln_2.weight`, d);
    t.add(`${p}ln_2.bias`, [d]);
    t.add(`${p}mlp.c_fc.weight`, [d, 4 * d]);
    t.add(`${p}mlp.c_fc.bias`, [4 * d]);
    t.add(`${p}mlp.c_proj.weight`, [4 * d, d]);
    t.add(`${p}mlp.c_proj.bias`, [d]);
  }
  t.norm('transformer.ln_f.weight', d);
  t.add('transformer.ln_f.bias', [d]);
  const eot = v - 1;
  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: v,
    n_embd: d,
    n_layer: LAYERS,
    n_head: HEADS,
    n_inner: null,
    n_positions: CONTEXT,
    n_ctx: CONTEXT,
    activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5,
    initializer_range: INIT_STD,
    tie_word_embeddings: true,
    use_cache: true,
    bos_token_id: eot,
    eos_token_id: eot,
    torch_dtype: 'float32',
  };
  return { config, tensors: t.tensors, tokenizer, generation: { bos_token_id: eot, eos_token_id: eot } };
}

/**
 * A Llama of another shape (e.g. SmolLM2-135M's for speed and memory benches). The tokenizer keeps
 * the tiny model's pieces, padded with pieces no merge reaches up to the vocabulary size, so the
 * text encodes as for the tiny model and every id the model can pick decodes.
 */
export interface LlamaShapeOverride {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  /** At least the tiny tokenizer's vocabulary. */
  vocab: number;
}

function tinyLlama(seed: number, shape?: LlamaShapeOverride): TinySpec {
  const tokenizer = tinyLlamaTokenizer(320, shape?.vocab);
  const v = tokenizer.vocabSize;
  const d = shape?.hidden ?? HIDDEN;
  const layers = shape?.layers ?? LAYERS;
  const heads = shape?.heads ?? HEADS;
  const intermediate = shape?.intermediate ?? INTERMEDIATE;
  const kvHeads = shape?.kvHeads ?? 2;
  const headDim = d / heads;
  // Random weights at HF's usual scale for real sizes (0.02), the tiny models' larger scale otherwise.
  const t = new TensorMaker(seed, shape ? 0.02 : INIT_STD);
  t.add('model.embed_tokens.weight', [v, d]);
  for (let i = 0; i < layers; i++) {
    const p = `model.layers.${i}.`;
    t.norm(`${p}input_layernorm.weight`, d);
    t.add(`${p}self_attn.q_proj.weight`, [d, d]);
    t.add(`${p}self_attn.k_proj.weight`, [kvHeads * headDim, d]);
    t.add(`${p}self_attn.v_proj.weight`, [kvHeads * headDim, d]);
    t.add(`${p}self_attn.o_proj.weight`, [d, d]);
    t.norm(`${p}post_attention_layernorm.weight`, d);
    t.add(`${p}mlp.gate_proj.weight`, [intermediate, d]);
    t.add(`${p}mlp.up_proj.weight`, [intermediate, d]);
    t.add(`${p}mlp.down_proj.weight`, [d, intermediate]);
  }
  t.norm('model.norm.weight', d);
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: d,
    intermediate_size: intermediate,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    vocab_size: v,
    max_position_embeddings: CONTEXT,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    rope_scaling: null,
    hidden_act: 'silu',
    tie_word_embeddings: true,
    attention_bias: false,
    mlp_bias: false,
    initializer_range: shape ? 0.02 : INIT_STD,
    use_cache: true,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'float32',
  };
  return { config, tensors: t.tensors, tokenizer, generation: { bos_token_id: 1, eos_token_id: 2 } };
}

function tinyBert(seed: number): TinySpec {
  const tokenizer = tinyBertTokenizer(300);
  const v = tokenizer.vocabSize;
  const d = HIDDEN;
  const t = new TensorMaker(seed);
  const linear = (p: string, out: number, inDim: number) => {
    t.add(`${p}.weight`, [out, inDim]);
    t.add(`${p}.bias`, [out]);
  };
  const norm = (p: string) => {
    t.norm(`${p}.weight`, d);
    t.add(`${p}.bias`, [d]);
  };
  t.add('bert.embeddings.word_embeddings.weight', [v, d]);
  t.add('bert.embeddings.position_embeddings.weight', [CONTEXT, d]);
  t.add('bert.embeddings.token_type_embeddings.weight', [2, d]);
  norm('bert.embeddings.LayerNorm');
  for (let i = 0; i < LAYERS; i++) {
    const p = `bert.encoder.layer.${i}.`;
    for (const name of ['query', 'key', 'value']) linear(`${p}attention.self.${name}`, d, d);
    linear(`${p}attention.output.dense`, d, d);
    norm(`${p}attention.output.LayerNorm`);
    linear(`${p}intermediate.dense`, INTERMEDIATE, d);
    linear(`${p}output.dense`, d, INTERMEDIATE);
    norm(`${p}output.LayerNorm`);
  }
  linear('cls.predictions.transform.dense', d, d);
  norm('cls.predictions.transform.LayerNorm');
  t.add('cls.predictions.bias', [v]);
  const config = {
    architectures: ['BertForMaskedLM'],
    model_type: 'bert',
    vocab_size: v,
    hidden_size: d,
    num_hidden_layers: LAYERS,
    num_attention_heads: HEADS,
    intermediate_size: INTERMEDIATE,
    hidden_act: 'gelu',
    max_position_embeddings: CONTEXT,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    position_embedding_type: 'absolute',
    initializer_range: INIT_STD,
    pad_token_id: 0,
    torch_dtype: 'float32',
  };
  return { config, tensors: t.tensors, tokenizer };
}

const SPECS: Record<TinyModelKind, (seed: number, shape?: LlamaShapeOverride) => TinySpec> = { gpt2: tinyGpt2, llama: tinyLlama, bert: tinyBert };

/** Writes the safetensors-only HF folder (no ONNX): what a user's downloaded checkpoint looks like. `shape`: Llama only. */
export function writeTinyCheckpoint(kind: TinyModelKind, dir: string, seed = 0, shape?: LlamaShapeOverride): void {
  const make = SPECS[kind];
  if (!make) throw new Error(`unknown tiny model kind ${JSON.stringify(kind)} (expected ${TINY_MODEL_KINDS.join(', ')})`);
  if (shape && kind !== 'llama') throw new Error(`a shape override is for the llama kind only, not ${kind}`);
  const spec = make(seed, shape);
  mkdirSync(dir, { recursive: true });
  const json = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  json('config.json', { _promptsmith_note: RANDOM_NOTE, _promptsmith_seed: seed, ...spec.config });
  writeSafetensors(join(dir, 'model.safetensors'), spec.tensors, { format: 'pt', promptsmith_note: RANDOM_NOTE });
  json('tokenizer.json', spec.tokenizer.tokenizer);
  json('tokenizer_config.json', spec.tokenizer.config);
  if (spec.generation) json('generation_config.json', spec.generation);
}

/** Exports the folder's checkpoint to `<dir>/onnx/model.onnx` (with KV cache for the decoders). */
export function exportTinyOnnx(kind: TinyModelKind, dir: string): string {
  const config = readHfConfig(dir);
  const weights = SafetensorsCheckpoint.open(dir);
  const model = kind === 'gpt2' ? exportGpt2(config, weights) : kind === 'llama' ? exportLlama(config, weights) : exportBert(config, weights);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const path = join(dir, 'onnx', 'model.onnx');
  writeFileSync(path, encodeModel(model));
  return path;
}

/**
 * Writes a complete tiny model folder (checkpoint, tokenizer, onnx/model.onnx) into `dir`.
 * Same kind and seed ⇒ the same bytes. Not atomic: callers that share a folder write elsewhere and rename.
 */
export function writeTinyModel(kind: TinyModelKind, dir: string, seed = 0): void {
  writeTinyCheckpoint(kind, dir, seed);
  exportTinyOnnx(kind, dir);
}

/**
 * A tiny model folder under `cacheRoot`, named `tiny-<kind>[-seed<N>]-<hash>` where the hash covers
 * the written files: an exporter or generator change gives a new folder, so a folder found is
 * always current. The model is regenerated in a private temp folder (milliseconds) to learn the
 * hash; if the folder exists it is reused, else the temp folder is renamed into place. Safe across
 * parallel processes (a rename that loses the race falls back to the winner's identical folder).
 */
export function ensureTinyModel(kind: TinyModelKind, cacheRoot: string, seed = 0): string {
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = join(cacheRoot, `.tiny-${kind}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    writeTinyModel(kind, tmp, seed);
    const hash = createHash('sha256');
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors', 'onnx/model.onnx']) hash.update(readFileSync(join(tmp, file)));
    const dir = join(cacheRoot, `tiny-${kind}${seed === 0 ? '' : `-seed${seed}`}-${hash.digest('hex').slice(0, 12)}`);
    if (!existsSync(join(dir, 'onnx', 'model.onnx'))) {
      try {
        renameSync(tmp, dir);
      } catch (e) {
        if (!existsSync(join(dir, 'onnx', 'model.onnx'))) throw e;
      }
    }
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
