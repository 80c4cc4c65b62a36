// ONNX tensor element types: the TensorProto.DataType codes of the types the IR supports, element
// sizes, and typed arrays over raw little-endian bytes.
import type { DataType, TensorValues } from './ir';
import { ProtobufError } from './protobuf';

/** ONNX TensorProto.DataType numbers for the types the IR supports. */
const DATA_TYPE_CODES: Record<DataType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
};
const DATA_TYPE_NAMES = new Map<number, DataType>(Object.entries(DATA_TYPE_CODES).map(([name, code]) => [code, name as DataType]));

export function dataTypeCode(type: DataType): number {
  return DATA_TYPE_CODES[type];
}

export function dataTypeFromCode(code: number, where: string): DataType {
  const type = DATA_TYPE_NAMES.get(code);
  if (!type) throw new ProtobufError(`${where}: unsupported tensor element type ${code}`);
  return type;
}

/** Bytes per element of a numeric data type. */
export function bytesPerElement(type: DataType): number {
  switch (type) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
      return 2;
    case 'string':
      throw new ProtobufError('string tensors have no fixed element size');
    default:
      return 1;
  }
}

/** A typed array of the right class for `type`, over a copy of `bytes` (so it is aligned). */
export function typedArrayFromBytes(type: DataType, bytes: Uint8Array): TensorValues {
  const buffer = new Uint8Array(bytes).buffer; // a copy (Buffer.slice would be a view)
  switch (type) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float16':
      return new Uint16Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    default:
      throw new ProtobufError(`no typed array for ${type} tensors`);
  }
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
