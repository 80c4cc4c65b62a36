// ONNX TensorProto bytes -> TensorData: raw, typed-field and external data, checked against the
// dims; with a lazy context, big tensors are left in their file and read when used.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DataType, lazyTensor, type TensorData, type TensorValues } from './ir';
import { ProtobufError, type ProtoReader, WireType } from './protobuf';
import { dataTypeFromCode, elementCount, storageBytes, storageLength, typedArrayFromBytes } from './tensorTypes';

export interface DecodeContext {
  source: string;
  baseDir?: string;
  /** Set when decoding a file with lazy tensors: big tensors are read from it when used. */
  lazyFrom?: { path: string; bytes: Uint8Array };
}

/** Tensors at least this big are lazy when a file is read with `lazyTensors`. */
const LAZY_TENSOR_BYTES = 1 << 20;

export function decodeStringPair(r: ProtoReader): [string, string] {
  let key = '';
  let value = '';
  while (!r.done) {
    const t = r.readTag();
    if (t.field === 1 && t.wire === WireType.bytes) key = r.readString();
    else if (t.field === 2 && t.wire === WireType.bytes) value = r.readString();
    else r.skip(t.wire);
  }
  return [key, value];
}

export function decodeTensor(r: ProtoReader, ctx: DecodeContext): TensorData {
  const dims: number[] = [];
  let code = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  let external = false;
  const externalInfo: Record<string, string> = {};
  const floats: number[] = [];
  const int32s: number[] = [];
  const int64s: bigint[] = [];
  const uint64s: bigint[] = [];
  const doubles: number[] = [];
  while (!r.done) {
    const { field, wire } = r.readTag();
    switch (field) {
      case 1:
        r.readRepeated(wire, WireType.varint, 'tensor.dims', (x) => dims.push(x.readInt64()));
        break;
      case 2:
        r.expect(wire, WireType.varint, 'tensor.data_type');
        code = r.readVarint();
        break;
      case 4:
        r.readRepeated(wire, WireType.fixed32, 'tensor.float_data', (x) => floats.push(x.readFloat()));
        break;
      case 5:
        r.readRepeated(wire, WireType.varint, 'tensor.int32_data', (x) => int32s.push(x.readInt32()));
        break;
      case 7:
        r.readRepeated(wire, WireType.varint, 'tensor.int64_data', (x) => int64s.push(x.readBigVarint()));
        break;
      case 8:
        r.expect(wire, WireType.bytes, 'tensor.name');
        name = r.readString();
        break;
      case 9:
        r.expect(wire, WireType.bytes, 'tensor.raw_data');
        raw = r.readBytes();
        break;
      case 10:
        r.readRepeated(wire, WireType.fixed64, 'tensor.double_data', (x) => doubles.push(x.readDouble()));
        break;
      case 11:
        r.readRepeated(wire, WireType.varint, 'tensor.uint64_data', (x) => uint64s.push(BigInt.asUintN(64, x.readBigVarint())));
        break;
      case 13: {
        r.expect(wire, WireType.bytes, 'tensor.external_data');
        const [key, value] = decodeStringPair(r.readMessage());
        externalInfo[key] = value;
        break;
      }
      case 14:
        r.expect(wire, WireType.varint, 'tensor.data_location');
        external = r.readVarint() === 1;
        break;
      default:
        r.skip(wire);
    }
  }
  const where = `${ctx.source}: tensor '${name}'`;
  const dataType = dataTypeFromCode(code, where);
  if (dataType === 'string') throw new ProtobufError(`${where}: string tensors are not supported`);
  const count = elementCount(dims);
  const expected = storageBytes(dataType, count);
  if (ctx.lazyFrom && expected >= LAZY_TENSOR_BYTES && (external || raw)) {
    const at = external ? externalRange(externalInfo, ctx, where) : { path: ctx.lazyFrom.path, offset: raw!.byteOffset - ctx.lazyFrom.bytes.byteOffset, length: raw!.length };
    if (at.length !== expected) throw new ProtobufError(`${where}: has ${at.length} data bytes, dims [${dims}] need ${expected}`);
    return lazyTensor(name, dataType, dims, () => typedArrayFromBytes(dataType, readRange(at, where)));
  }
  if (external) raw = readRange(externalRange(externalInfo, ctx, where), where);
  let data: TensorValues;
  if (raw) {
    if (raw.length !== expected) throw new ProtobufError(`${where}: has ${raw.length} data bytes, dims [${dims}] need ${expected}`);
    data = typedArrayFromBytes(dataType, raw);
  } else {
    data = typedDataFromFields(dataType, { floats, int32s, int64s, uint64s, doubles });
    const expected = storageLength(dataType, count);
    if (data.length !== expected) throw new ProtobufError(`${where}: has ${data.length} values, dims [${dims}] need ${expected}`);
  }
  return { name, dataType, dims, data };
}

function typedDataFromFields(
  type: DataType,
  f: { floats: number[]; int32s: number[]; int64s: bigint[]; uint64s: bigint[]; doubles: number[] },
): TensorValues {
  switch (type) {
    case 'float32':
      return Float32Array.from(f.floats);
    case 'float64':
      return Float64Array.from(f.doubles);
    case 'int64':
      return BigInt64Array.from(f.int64s);
    case 'uint64':
      return BigUint64Array.from(f.uint64s);
    case 'uint32':
      return Uint32Array.from(f.uint64s, (v) => Number(v));
    case 'int32':
      return Int32Array.from(f.int32s);
    case 'float16': // int32_data holds the raw 16-bit patterns
    case 'bfloat16':
    case 'uint16':
      return Uint16Array.from(f.int32s);
    case 'int16':
      return Int16Array.from(f.int32s);
    case 'int8':
      return Int8Array.from(f.int32s);
    default: // uint8, bool, and int4/uint4 (their packed bytes)
      return Uint8Array.from(f.int32s);
  }
}

/** Where a tensor's external data lies (its file, offset and length). */
function externalRange(info: Record<string, string>, ctx: DecodeContext, where: string): { path: string; offset: number; length: number } {
  const location = info['location'];
  if (!location) throw new ProtobufError(`${where}: external data without a location`);
  if (!ctx.baseDir) throw new ProtobufError(`${where}: uses external data '${location}' but no folder was given to read it from`);
  const path = resolve(ctx.baseDir, location);
  const offset = Number(info['offset'] ?? 0);
  let length = info['length'] !== undefined ? Number(info['length']) : undefined;
  if (length === undefined) {
    try {
      length = statSync(path).size - offset;
    } catch {
      throw new ProtobufError(`${where}: external data file ${path} cannot be opened`);
    }
  }
  return { path, offset, length };
}

function readRange(at: { path: string; offset: number; length: number }, where: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(at.path, 'r');
  } catch {
    throw new ProtobufError(`${where}: data file ${at.path} cannot be opened`);
  }
  try {
    const out = new Uint8Array(at.length);
    const n = readSync(fd, out, 0, at.length, at.offset);
    if (n !== at.length) throw new ProtobufError(`${where}: data file ${at.path} is truncated (wanted ${at.length} bytes at ${at.offset}, got ${n})`);
    return out;
  } finally {
    closeSync(fd);
  }
}
