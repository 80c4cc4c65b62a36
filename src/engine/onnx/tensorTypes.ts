// ONNX tensor element types: the TensorProto.DataType codes of the types the IR supports, storage
// sizes, typed arrays over raw little-endian bytes, and float conversion of half-precision data.
// Quantized and half-precision exports (onnx-community q4/q8/fp16/bf16 variants) use bfloat16,
// 16/32/64-bit unsigned and 4-bit types: their data is kept as stored (raw bits; 4-bit values
// packed two to a byte, low nibble first, as ONNX stores them).
import type { DataType, TensorData, TensorValues } from './ir';
import { ProtobufError } from './protobuf';

/** ONNX TensorProto.DataType numbers for the types the IR supports. */
const DATA_TYPE_CODES: Record<DataType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
  uint4: 21,
  int4: 22,
};
const DATA_TYPE_NAMES = new Map<number, DataType>(Object.entries(DATA_TYPE_CODES).map(([name, code]) => [code, name as DataType]));

/** Types whose values are packed two to a byte. */
const PACKED_4BIT: ReadonlySet<DataType> = new Set(['int4', 'uint4']);

export function dataTypeCode(type: DataType): number {
  return DATA_TYPE_CODES[type];
}

export function dataTypeFromCode(code: number, where: string): DataType {
  const type = DATA_TYPE_NAMES.get(code);
  if (!type) throw new ProtobufError(`${where}: unsupported tensor element type ${code} (${ONNX_TYPE_NAMES[code] ?? 'unknown'})`);
  return type;
}

/** Names of the ONNX types the IR does not hold, for error messages. */
const ONNX_TYPE_NAMES: Record<number, string> = { 14: 'complex64', 15: 'complex128', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 23: 'float4e2m1' };

/** Bytes per element of a numeric data type (4-bit types: see storageBytes). */
export function bytesPerElement(type: DataType): number {
  switch (type) {
    case 'float64':
    case 'int64':
    case 'uint64':
      return 8;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 4;
    case 'float16':
    case 'bfloat16':
    case 'int16':
    case 'uint16':
      return 2;
    case 'string':
      throw new ProtobufError('string tensors have no fixed element size');
    default:
      return 1;
  }
}

/** Bytes that `count` elements take in raw_data (4-bit types: two per byte, rounded up). */
export function storageBytes(type: DataType, count: number): number {
  return PACKED_4BIT.has(type) ? Math.ceil(count / 2) : count * bytesPerElement(type);
}

/** Length of the typed array holding `count` elements (4-bit types: their packed bytes). */
export function storageLength(type: DataType, count: number): number {
  return PACKED_4BIT.has(type) ? Math.ceil(count / 2) : count;
}

/** A typed array of the right class for `type`, over a copy of `bytes` (so it is aligned). */
export function typedArrayFromBytes(type: DataType, bytes: Uint8Array): TensorValues {
  const buffer = new Uint8Array(bytes).buffer; // a copy (Buffer.slice would be a view)
  switch (type) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float16':
    case 'bfloat16':
    case 'uint16':
      return new Uint16Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'uint64':
      return new BigUint64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
    case 'int4':
    case 'uint4':
      return new Uint8Array(buffer);
    default:
      throw new ProtobufError(`no typed array for ${type} tensors`);
  }
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

let halfValues: Float32Array | undefined;

/** IEEE 754 half-precision bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** float16 bits → float32, one table lookup per element (the table holds all 65536 values). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  if (!halfValues) {
    halfValues = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfValues[h] = halfToFloat(h);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfValues[bits[i]!]!;
  return out;
}

/** bfloat16 bits → float32 (the upper half of a float32's bits). */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i]! << 16;
  return new Float32Array(wide.buffer);
}

/** A float tensor's values as float32 (the data itself when it already is). */
export function floatValues(t: TensorData): Float32Array {
  if (t.dataType === 'float32') return t.data as Float32Array;
  if (t.dataType === 'float16') return float16ToFloat32(t.data as Uint16Array);
  if (t.dataType === 'bfloat16') return bfloat16ToFloat32(t.data as Uint16Array);
  if (t.dataType === 'float64') return Float32Array.from(t.data as Float64Array);
  throw new Error(`tensor '${t.name}' is ${t.dataType}, not a float tensor`);
}
