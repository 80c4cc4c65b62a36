// ONNX ModelProto <-> the in-memory OnnxModel of ir.ts. Field numbers follow onnx/onnx.proto.
// Unknown fields are skipped; things the IR cannot represent are a clear error naming the file.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AttributeValue, DataType, Dim, Graph, OnnxModel, OnnxNode, TensorData, TensorValues, ValueInfo } from './ir';
import { ProtobufError, ProtoReader, ProtoWriter, WireType } from './protobuf';

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

const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8 } as const;

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

// ---------------------------------------------------------------- decoding

interface DecodeContext {
  source: string;
  baseDir?: string;
}

/** Decodes an ONNX model. `baseDir` is where external tensor data files are looked up. */
export function decodeModel(bytes: Uint8Array, source = '<onnx bytes>', baseDir?: string): OnnxModel {
  const ctx: DecodeContext = { source, baseDir };
  const r = new ProtoReader(bytes, source);
  const model: OnnxModel = { irVersion: 0, opsetImports: [], producerName: '', graph: emptyGraph(), metadata: {} };
  let sawGraph = false;
  while (!r.done) {
    const { field, wire } = r.readTag();
    if (field === 1) {
      r.expect(wire, WireType.varint, 'ir_version');
      model.irVersion = r.readInt64();
    } else if (field === 2) {
      r.expect(wire, WireType.bytes, 'producer_name');
      model.producerName = r.readString();
    } else if (field === 3) {
      r.expect(wire, WireType.bytes, 'producer_version');
      model.producerVersion = r.readString();
    } else if (field === 7) {
      r.expect(wire, WireType.bytes, 'graph');
      model.graph = decodeGraph(r.readMessage(), ctx);
      sawGraph = true;
    } else if (field === 8) {
      r.expect(wire, WireType.bytes, 'opset_import');
      const sub = r.readMessage();
      const opset = { domain: '', version: 0 };
      while (!sub.done) {
        const t = sub.readTag();
        if (t.field === 1 && t.wire === WireType.bytes) opset.domain = sub.readString();
        else if (t.field === 2 && t.wire === WireType.varint) opset.version = sub.readInt64();
        else sub.skip(t.wire);
      }
      model.opsetImports.push(opset);
    } else if (field === 14) {
      r.expect(wire, WireType.bytes, 'metadata_props');
      const [key, value] = decodeStringPair(r.readMessage());
      model.metadata[key] = value;
    } else {
      r.skip(wire);
    }
  }
  if (!sawGraph) throw new ProtobufError(`${source}: not an ONNX model (no graph)`);
  return model;
}

/** Reads and decodes an .onnx file; external data is looked up beside it. */
export function readModelFile(path: string): OnnxModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ProtobufError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (bytes.length === 0) throw new ProtobufError(`${path}: empty file, not an ONNX model`);
  return decodeModel(bytes, path, dirname(path));
}

function emptyGraph(): Graph {
  return { name: '', nodes: [], inputs: [], outputs: [], initializers: [], valueInfo: [] };
}

function decodeStringPair(r: ProtoReader): [string, string] {
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

function decodeGraph(r: ProtoReader, ctx: DecodeContext): Graph {
  const graph = emptyGraph();
  while (!r.done) {
    const { field, wire } = r.readTag();
    if (field === 1) {
      r.expect(wire, WireType.bytes, 'graph.node');
      graph.nodes.push(decodeNode(r.readMessage(), ctx));
    } else if (field === 2) {
      r.expect(wire, WireType.bytes, 'graph.name');
      graph.name = r.readString();
    } else if (field === 5) {
      r.expect(wire, WireType.bytes, 'graph.initializer');
      graph.initializers.push(decodeTensor(r.readMessage(), ctx));
    } else if (field === 11 || field === 12 || field === 13) {
      r.expect(wire, WireType.bytes, 'graph value info');
      const info = decodeValueInfo(r.readMessage(), ctx);
      (field === 11 ? graph.inputs : field === 12 ? graph.outputs : graph.valueInfo).push(info);
    } else {
      r.skip(wire);
    }
  }
  return graph;
}

function decodeNode(r: ProtoReader, ctx: DecodeContext): OnnxNode {
  const node: OnnxNode = { name: '', opType: '', inputs: [], outputs: [], attributes: {} };
  while (!r.done) {
    const { field, wire } = r.readTag();
    if (field === 1 || field === 2) {
      r.expect(wire, WireType.bytes, 'node input/output');
      (field === 1 ? node.inputs : node.outputs).push(r.readString());
    } else if (field === 3) {
      r.expect(wire, WireType.bytes, 'node.name');
      node.name = r.readString();
    } else if (field === 4) {
      r.expect(wire, WireType.bytes, 'node.op_type');
      node.opType = r.readString();
    } else if (field === 5) {
      r.expect(wire, WireType.bytes, 'node.attribute');
      const [name, value] = decodeAttribute(r.readMessage(), ctx);
      node.attributes[name] = value;
    } else if (field === 7) {
      r.expect(wire, WireType.bytes, 'node.domain');
      node.domain = r.readString();
    } else {
      r.skip(wire);
    }
  }
  return node;
}

function decodeAttribute(r: ProtoReader, ctx: DecodeContext): [string, AttributeValue] {
  let name = '';
  let type = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let t: TensorData | undefined;
  let g: Graph | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  while (!r.done) {
    const { field, wire } = r.readTag();
    switch (field) {
      case 1:
        r.expect(wire, WireType.bytes, 'attribute.name');
        name = r.readString();
        break;
      case 20:
        r.expect(wire, WireType.varint, 'attribute.type');
        type = r.readVarint();
        break;
      case 2:
        r.expect(wire, WireType.fixed32, 'attribute.f');
        f = r.readFloat();
        break;
      case 3:
        r.expect(wire, WireType.varint, 'attribute.i');
        i = r.readInt64();
        break;
      case 4:
        r.expect(wire, WireType.bytes, 'attribute.s');
        s = r.readString();
        break;
      case 5:
        r.expect(wire, WireType.bytes, 'attribute.t');
        t = decodeTensor(r.readMessage(), ctx);
        break;
      case 6:
        r.expect(wire, WireType.bytes, 'attribute.g');
        g = decodeGraph(r.readMessage(), ctx);
        break;
      case 7:
        r.readRepeated(wire, WireType.fixed32, 'attribute.floats', (x) => floats.push(x.readFloat()));
        break;
      case 8:
        r.readRepeated(wire, WireType.varint, 'attribute.ints', (x) => ints.push(x.readInt64()));
        break;
      case 9:
        r.expect(wire, WireType.bytes, 'attribute.strings');
        strings.push(r.readString());
        break;
      default:
        r.skip(wire);
    }
  }
  const where = `${ctx.source}: attribute '${name}'`;
  // Old writers leave `type` unset: infer it from the field that is present.
  if (type === 0) {
    type =
      f !== undefined ? 1 : i !== undefined ? 2 : s !== undefined ? 3 : t ? 4 : g ? 5 : floats.length ? 6 : ints.length ? 7 : strings.length ? 8 : 0;
  }
  switch (type) {
    case 1:
      return [name, { type: 'float', value: f ?? 0 }];
    case 2:
      return [name, { type: 'int', value: i ?? 0 }];
    case 3:
      return [name, { type: 'string', value: s ?? '' }];
    case 4:
      if (!t) throw new ProtobufError(`${where} has type TENSOR but no tensor`);
      return [name, { type: 'tensor', value: t }];
    case 5:
      if (!g) throw new ProtobufError(`${where} has type GRAPH but no graph`);
      return [name, { type: 'graph', value: g }];
    case 6:
      return [name, { type: 'floats', value: floats }];
    case 7:
      return [name, { type: 'ints', value: ints }];
    case 8:
      return [name, { type: 'strings', value: strings }];
    default:
      throw new ProtobufError(`${where} has unsupported attribute type ${type}`);
  }
}

function decodeValueInfo(r: ProtoReader, ctx: DecodeContext): ValueInfo {
  const info: ValueInfo = { name: '', dataType: 'float32' };
  let sawType = false;
  while (!r.done) {
    const { field, wire } = r.readTag();
    if (field === 1 && wire === WireType.bytes) info.name = r.readString();
    else if (field === 2 && wire === WireType.bytes) {
      const type = r.readMessage();
      while (!type.done) {
        const t = type.readTag();
        if (t.field === 1 && t.wire === WireType.bytes) {
          decodeTensorType(type.readMessage(), info, ctx);
          sawType = true;
        } else type.skip(t.wire);
      }
    } else r.skip(wire);
  }
  if (!sawType) throw new ProtobufError(`${ctx.source}: value '${info.name}' is not a tensor (sequence/map/optional types are not supported)`);
  return info;
}

function decodeTensorType(r: ProtoReader, info: ValueInfo, ctx: DecodeContext): void {
  while (!r.done) {
    const { field, wire } = r.readTag();
    if (field === 1 && wire === WireType.varint) {
      info.dataType = dataTypeFromCode(r.readVarint(), `${ctx.source}: value '${info.name}'`);
    } else if (field === 2 && wire === WireType.bytes) {
      const shapeReader = r.readMessage();
      const shape: Dim[] = [];
      while (!shapeReader.done) {
        const t = shapeReader.readTag();
        if (t.field !== 1 || t.wire !== WireType.bytes) {
          shapeReader.skip(t.wire);
          continue;
        }
        const dimReader = shapeReader.readMessage();
        let dim: Dim = null;
        while (!dimReader.done) {
          const d = dimReader.readTag();
          if (d.field === 1 && d.wire === WireType.varint) dim = dimReader.readInt64();
          else if (d.field === 2 && d.wire === WireType.bytes) dim = dimReader.readString();
          else dimReader.skip(d.wire);
        }
        shape.push(dim);
      }
      info.shape = shape;
    } else r.skip(wire);
  }
}

function decodeTensor(r: ProtoReader, ctx: DecodeContext): TensorData {
  const dims: number[] = [];
  let code = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  let external = false;
  const externalInfo: Record<string, string> = {};
  const floats: number[] = [];
  const int32s: number[] = [];
  const int64s: bigint[] = [];
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
  if (external) raw = readExternalData(externalInfo, ctx, where);
  let data: TensorValues;
  if (raw) {
    const expected = count * bytesPerElement(dataType);
    if (raw.length !== expected) throw new ProtobufError(`${where}: has ${raw.length} data bytes, dims [${dims}] need ${expected}`);
    data = typedArrayFromBytes(dataType, raw);
  } else {
    data = typedDataFromFields(dataType, { floats, int32s, int64s, doubles });
    if (data.length !== count) throw new ProtobufError(`${where}: has ${data.length} values, dims [${dims}] need ${count}`);
  }
  return { name, dataType, dims, data };
}

function typedDataFromFields(
  type: DataType,
  f: { floats: number[]; int32s: number[]; int64s: bigint[]; doubles: number[] },
): TensorValues {
  switch (type) {
    case 'float32':
      return Float32Array.from(f.floats);
    case 'float64':
      return Float64Array.from(f.doubles);
    case 'int64':
      return BigInt64Array.from(f.int64s);
    case 'int32':
      return Int32Array.from(f.int32s);
    case 'float16': // int32_data holds the raw 16-bit patterns
      return Uint16Array.from(f.int32s);
    case 'int8':
      return Int8Array.from(f.int32s);
    default:
      return Uint8Array.from(f.int32s);
  }
}

function readExternalData(info: Record<string, string>, ctx: DecodeContext, where: string): Uint8Array {
  const location = info['location'];
  if (!location) throw new ProtobufError(`${where}: external data without a location`);
  if (!ctx.baseDir) throw new ProtobufError(`${where}: uses external data '${location}' but no folder was given to read it from`);
  const path = resolve(ctx.baseDir, location);
  const offset = Number(info['offset'] ?? 0);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new ProtobufError(`${where}: external data file ${path} cannot be opened`);
  }
  try {
    const length = info['length'] !== undefined ? Number(info['length']) : undefined;
    const size = length ?? fstatSync(fd).size - offset;
    const out = new Uint8Array(size);
    const n = readSync(fd, out, 0, size, offset);
    if (n !== size) throw new ProtobufError(`${where}: external data file ${path} is truncated (wanted ${size} bytes at ${offset}, got ${n})`);
    return out;
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------- encoding

export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int64Field(1, model.irVersion);
  if (model.producerName) w.stringField(2, model.producerName);
  if (model.producerVersion) w.stringField(3, model.producerVersion);
  w.messageField(7, (g) => encodeGraph(g, model.graph));
  for (const opset of model.opsetImports) {
    w.messageField(8, (o) => {
      if (opset.domain) o.stringField(1, opset.domain);
      o.int64Field(2, opset.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata)) {
    w.messageField(14, (p) => {
      p.stringField(1, key);
      p.stringField(2, value);
    });
  }
  return w.finish();
}

function encodeGraph(w: ProtoWriter, graph: Graph): void {
  for (const node of graph.nodes) w.messageField(1, (n) => encodeNode(n, node));
  if (graph.name) w.stringField(2, graph.name);
  for (const tensor of graph.initializers) w.messageField(5, (t) => encodeTensor(t, tensor));
  for (const info of graph.inputs) w.messageField(11, (v) => encodeValueInfo(v, info));
  for (const info of graph.outputs) w.messageField(12, (v) => encodeValueInfo(v, info));
  for (const info of graph.valueInfo) w.messageField(13, (v) => encodeValueInfo(v, info));
}

function encodeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.stringField(1, input);
  for (const output of node.outputs) w.stringField(2, output);
  if (node.name) w.stringField(3, node.name);
  w.stringField(4, node.opType);
  for (const [name, attr] of Object.entries(node.attributes)) w.messageField(5, (a) => encodeAttribute(a, name, attr));
  if (node.domain) w.stringField(7, node.domain);
}

function encodeAttribute(w: ProtoWriter, name: string, attr: AttributeValue): void {
  w.stringField(1, name);
  w.int64Field(20, ATTRIBUTE_TYPES[attr.type]);
  switch (attr.type) {
    case 'float':
      w.floatField(2, attr.value);
      break;
    case 'int':
      w.int64Field(3, attr.value);
      break;
    case 'string':
      w.stringField(4, attr.value);
      break;
    case 'tensor':
      w.messageField(5, (t) => encodeTensor(t, attr.value));
      break;
    case 'graph':
      w.messageField(6, (g) => encodeGraph(g, attr.value));
      break;
    // onnx.proto (proto2) declares these unpacked; parsers accept both forms.
    case 'floats':
      for (const v of attr.value) w.floatField(7, v);
      break;
    case 'ints':
      for (const v of attr.value) w.int64Field(8, v);
      break;
    case 'strings':
      for (const v of attr.value) w.stringField(9, v);
      break;
  }
}

function encodeValueInfo(w: ProtoWriter, info: ValueInfo): void {
  w.stringField(1, info.name);
  w.messageField(2, (type) =>
    type.messageField(1, (tensor) => {
      tensor.int64Field(1, dataTypeCode(info.dataType));
      if (!info.shape) return;
      const shape = info.shape;
      tensor.messageField(2, (s) => {
        for (const dim of shape) {
          s.messageField(1, (d) => {
            if (typeof dim === 'number') d.int64Field(1, dim);
            else if (typeof dim === 'string') d.stringField(2, dim);
          });
        }
      });
    }),
  );
}

function encodeTensor(w: ProtoWriter, tensor: TensorData): void {
  for (const dim of tensor.dims) w.int64Field(1, dim);
  w.int64Field(2, dataTypeCode(tensor.dataType));
  if (tensor.name) w.stringField(8, tensor.name);
  const count = elementCount(tensor.dims);
  if (tensor.data.length !== count) {
    throw new ProtobufError(`tensor '${tensor.name}': has ${tensor.data.length} values, dims [${tensor.dims}] need ${count}`);
  }
  // Little-endian raw bytes, viewed in place (no copy).
  w.bytesField(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}
