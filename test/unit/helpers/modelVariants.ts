// Half-precision and quantized variants of an fp32 ONNX decoder, made the way published ones
// are (onnx-community model_fp16 / model_quantized / model_q4 …), for tests that must not
// download anything:
//  - fp16: every float tensor and value converted (Casts to float retargeted);
//  - bf16: weights stored as bfloat16 and cast to float where read (ONNX Runtime's CPU provider
//    has no bfloat16 kernels for the rest, so published bf16 graphs keep compute in float too);
//  - q8: dynamic quantization, DynamicQuantizeLinear + MatMulInteger (int8 weights, per tensor);
//  - q4: com.microsoft MatMulNBits (4-bit blocks of 32 along K, zero point 8);
//  - int4qdq / uint16qdq: QDQ weights (int4 blocks of 32, uint16 per tensor) + DequantizeLinear
//    (opset 21): graphs with int4 and uint16 initializers.
// Matrix products whose weight is a 2-D float initializer are quantized; others (a tied head
// reading Transpose(table)) stay float, as in published exports.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeModelFile } from '../../../src/engine/onnx/codec';
import type { AttributeValue, DataType, OnnxModel, OnnxNode, TensorData } from '../../../src/engine/onnx/ir';
import { floatValues } from '../../../src/engine/onnx/tensorTypes';

export type VariantKind = 'fp16' | 'bf16' | 'q8' | 'q4' | 'int4qdq' | 'uint16qdq';

/** File suffix of each variant (transformers.js names where one exists). */
export const VARIANT_FILE_SUFFIX: Record<VariantKind, string> = { fp16: '_fp16', bf16: '_bf16', q8: '_quantized', q4: '_q4', int4qdq: '_int4qdq', uint16qdq: '_uint16qdq' };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float → IEEE half bits, round to nearest even; beyond the half range saturates to ±65504. */
export function toHalfBits(x: number): number {
  f32[0] = Math.max(-65504, Math.min(65504, x));
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rest > mid || (rest === mid && half & 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half);
}

/** float → bfloat16 bits, round to nearest even. */
export function toBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function convertModel(model: OnnxModel, kind: VariantKind): OnnxModel {
  if (kind === 'fp16') return toFloatType(model, 'float16');
  if (kind === 'bf16') return bfloat16Weights(model);
  return quantizeWeights(model, kind);
}

function bfloat16Weights(model: OnnxModel): OnnxModel {
  const g = model.graph;
  const big = g.initializers.filter((t) => t.dataType === 'float32' && t.dims.length >= 1);
  const casts: OnnxNode[] = big.map((t) => ({ name: `${t.name}/from_bf16`, opType: 'Cast', inputs: [`${t.name}/bf16`], outputs: [t.name], attributes: { to: { type: 'int', value: 1 } } }));
  const stored = big.map((t): TensorData => ({ name: `${t.name}/bf16`, dataType: 'bfloat16', dims: t.dims, data: Uint16Array.from(floatValues(t), toBfloat16Bits) }));
  const kept = g.initializers.filter((t) => !big.includes(t));
  return { ...model, graph: { ...g, nodes: [...casts, ...g.nodes], initializers: [...kept, ...stored] } };
}

function toFloatType(model: OnnxModel, type: 'float16'): OnnxModel {
  const code = 10;
  const bits = toHalfBits;
  const convert = (t: TensorData): TensorData =>
    t.dataType === 'float32' ? { name: t.name, dataType: type, dims: t.dims, data: Uint16Array.from(floatValues(t), bits) } : t;
  const retype = <V extends { dataType: DataType }>(v: V): V => (v.dataType === 'float32' ? { ...v, dataType: type } : v);
  const nodes = model.graph.nodes.map((n): OnnxNode => {
    const attributes: Record<string, AttributeValue> = {};
    for (const [key, a] of Object.entries(n.attributes)) {
      if (n.opType === 'Cast' && key === 'to' && a.type === 'int' && a.value === 1) attributes[key] = { type: 'int', value: code };
      else if (a.type === 'tensor') attributes[key] = { type: 'tensor', value: convert(a.value) };
      else attributes[key] = a;
    }
    return { ...n, attributes };
  });
  const g = model.graph;
  return { ...model, graph: { ...g, nodes, initializers: g.initializers.map(convert), inputs: g.inputs.map(retype), outputs: g.outputs.map(retype), valueInfo: g.valueInfo.map(retype) } };
}

function quantizeWeights(model: OnnxModel, kind: 'q8' | 'q4' | 'int4qdq' | 'uint16qdq'): OnnxModel {
  const g = model.graph;
  const inits = new Map(g.initializers.map((t) => [t.name, t]));
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  const added: TensorData[] = [];
  const replaced = new Set<string>();
  const nodes: OnnxNode[] = [];
  let k = 0;
  for (const node of g.nodes) {
    const w = node.opType === 'MatMul' ? inits.get(node.inputs[1]!) : undefined;
    if (w?.dims.length !== 2 || w.dataType !== 'float32' || (kind !== 'q8' && kind !== 'uint16qdq' && w.dims[0]! % 32 !== 0)) {
      nodes.push(node);
      continue;
    }
    const [K, N] = w.dims as [number, number];
    const values = floatValues(w);
    const p = `${node.name || 'MatMul'}_${kind}_${k++}`;
    const [a] = node.inputs as [string];
    const [y] = node.outputs as [string];
    const t = (name: string, dataType: DataType, dims: number[], data: TensorData['data']) => {
      added.push({ name: `${p}/${name}`, dataType, dims, data });
      return `${p}/${name}`;
    };
    const n = (opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}, domain = '') =>
      nodes.push({ name: `${p}/${opType}_${nodes.length}`, opType, domain, inputs, outputs, attributes });
    if (kind === 'q8') {
      const scale = Math.max(...values.map(Math.abs)) / 127 || 1;
      const wq = t('wq', 'int8', [K, N], Int8Array.from(values, (v) => Math.round(v / scale)));
      n('DynamicQuantizeLinear', [a], [`${p}/aq`, `${p}/as`, `${p}/azp`]);
      n('MatMulInteger', [`${p}/aq`, wq, `${p}/azp`, t('wzp', 'int8', [], Int8Array.of(0))], [`${p}/yi`]);
      n('Cast', [`${p}/yi`], [`${p}/yf`], { to: { type: 'int', value: 1 } });
      n('Mul', [`${p}/as`, t('ws', 'float32', [], Float32Array.of(scale))], [`${p}/s`]);
      n('Mul', [`${p}/yf`, `${p}/s`], [y]);
    } else if (kind === 'q4') {
      const blocks = K / 32;
      const packed = new Uint8Array(N * blocks * 16);
      const scales = new Float32Array(N * blocks);
      for (let col = 0; col < N; col++) {
        for (let b = 0; b < blocks; b++) {
          let max = 0;
          for (let i = 0; i < 32; i++) max = Math.max(max, Math.abs(values[(b * 32 + i) * N + col]!));
          const scale = max / 7 || 1;
          scales[col * blocks + b] = scale;
          for (let i = 0; i < 32; i++) {
            const q = Math.max(0, Math.min(15, Math.round(values[(b * 32 + i) * N + col]! / scale) + 8));
            packed[(col * blocks + b) * 16 + (i >> 1)]! |= i & 1 ? q << 4 : q;
          }
        }
      }
      const attrs = { K: { type: 'int', value: K }, N: { type: 'int', value: N }, bits: { type: 'int', value: 4 }, block_size: { type: 'int', value: 32 } } as const;
      n('MatMulNBits', [a, t('b', 'uint8', [N, blocks, 16], packed), t('scales', 'float32', [N * blocks], scales)], [y], attrs, 'com.microsoft');
    } else if (kind === 'int4qdq') {
      const blocks = K / 32;
      const scales = new Float32Array(blocks * N);
      for (let b = 0; b < blocks; b++) {
        for (let col = 0; col < N; col++) {
          let max = 0;
          for (let i = 0; i < 32; i++) max = Math.max(max, Math.abs(values[(b * 32 + i) * N + col]!));
          scales[b * N + col] = max / 7 || 1;
        }
      }
      const packed = new Uint8Array(Math.ceil((K * N) / 2));
      for (let i = 0; i < K * N; i++) {
        const q = Math.max(-8, Math.min(7, Math.round(values[i]! / scales[Math.floor(Math.floor(i / N) / 32) * N + (i % N)]!))) & 0xf;
        packed[i >> 1]! |= i & 1 ? q << 4 : q;
      }
      const deq = `${p}/w`;
      n('DequantizeLinear', [t('wq', 'int4', [K, N], packed), t('scale', 'float32', [blocks, N], scales)], [deq], { axis: { type: 'int', value: 0 }, block_size: { type: 'int', value: 32 } });
      n('MatMul', [a, deq], [y]);
    } else {
      const min = Math.min(0, ...values);
      const max = Math.max(0, ...values);
      const scale = (max - min) / 65535 || 1;
      const zp = Math.round(-min / scale);
      const wq = t('wq', 'uint16', [K, N], Uint16Array.from(values, (v) => Math.max(0, Math.min(65535, Math.round(v / scale) + zp))));
      const deq = `${p}/w`;
      n('DequantizeLinear', [wq, t('scale', 'float32', [], Float32Array.of(scale)), t('zp', 'uint16', [], Uint16Array.of(zp))], [deq]);
      n('MatMul', [a, deq], [y]);
    }
    replaced.add(w.name);
  }
  const stillUsed = new Set(nodes.flatMap((x) => x.inputs));
  const initializers = [...g.initializers.filter((t) => !replaced.has(t.name) || stillUsed.has(t.name) || !used.has(t.name)), ...added];
  const opsetImports = model.opsetImports.map((o) => (o.domain === '' && kind.endsWith('qdq') ? { ...o, version: 21 } : o));
  if (kind === 'q4') opsetImports.push({ domain: 'com.microsoft', version: 1 });
  return { ...model, irVersion: kind.endsWith('qdq') ? 10 : model.irVersion, opsetImports, graph: { ...g, nodes, initializers } };
}

/**
 * A model folder holding only the given variants of `model` (onnx/model<suffix>.onnx) beside
 * the config and tokenizer files of `srcDir`, as a hub folder of quantized exports looks.
 */
export function writeVariantFolder(srcDir: string, model: OnnxModel, dir: string, kinds: readonly VariantKind[]): string {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    if (existsSync(join(srcDir, f))) copyFileSync(join(srcDir, f), join(dir, f));
  }
  for (const kind of kinds) writeModelFile(join(dir, 'onnx', `model${VARIANT_FILE_SUFFIX[kind]}.onnx`), convertModel(model, kind), false);
  return dir;
}
