// ONNX ModelProto bytes -> the in-memory OnnxModel of ir.ts (the encoder is in encoder.ts). Field numbers
// follow onnx/onnx.proto; unknown fields are skipped; what the IR cannot hold is an error naming the file.
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { encodeModel, encodeModelWithExternalData } from './encoder';
import type { AttributeValue, Dim, Graph, OnnxModel, OnnxNode, TensorData, ValueInfo } from './ir';
import { ProtobufError, ProtoReader, WireType } from './protobuf';
import { type DecodeContext, decodeStringPair, decodeTensor } from './tensorDecoding';
import { dataTypeFromCode, elementCount, storageBytes } from './tensorTypes';

export { encodeModel, encodeModelWithExternalData };
export { bytesPerElement, dataTypeCode, dataTypeFromCode, elementCount, storageBytes, typedArrayFromBytes } from './tensorTypes';

/** Decodes an ONNX model. `baseDir` is where external tensor data files are looked up. */
export function decodeModel(bytes: Uint8Array, source = '<onnx bytes>', baseDir?: string): OnnxModel {
  return decodeWith(bytes, { source, baseDir });
}

function decodeWith(bytes: Uint8Array, ctx: DecodeContext): OnnxModel {
  const source = ctx.source;
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
  if (model.opsetImports.length === 0) throw new ProtobufError(`${source}: not a complete ONNX model (no opset_import; truncated?)`);
  return model;
}

/**
 * Reads and decodes an .onnx file; external data is looked up beside it. With `lazyTensors`,
 * tensors of 1 MiB and more are not copied out: each is read from its file when used (see
 * lazyTensor), so a big model is not held in memory (the file must stay in place meanwhile).
 */
export function readModelFile(path: string, options: { lazyTensors?: boolean } = {}): OnnxModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ProtobufError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (bytes.length === 0) throw new ProtobufError(`${path}: empty file, not an ONNX model`);
  const ctx: DecodeContext = { source: path, baseDir: dirname(path), lazyFrom: options.lazyTensors ? { path, bytes } : undefined };
  return decodeWith(bytes, ctx);
}

/** Protobuf messages cannot exceed 2 GB; above this many initializer bytes the data goes external. */
export const EXTERNAL_DATA_LIMIT = 1.8e9;

/**
 * Writes an .onnx file. When the initializers are too big for one protobuf (or `external` is
 * true), they go to `<file>_data` beside it (transformers.js: `model.onnx_data`). Returns the data
 * file's name, or undefined when everything is in one file.
 */
export function writeModelFile(path: string, model: OnnxModel, external?: boolean): string | undefined {
  if (!(external ?? initializerBytes(model) > EXTERNAL_DATA_LIMIT)) {
    writeFileSync(path, encodeModel(model));
    return undefined;
  }
  const location = `${basename(path)}_data`;
  const fd = openSync(join(dirname(path), location), 'w');
  let encoded: Uint8Array;
  try {
    // Each tensor goes to the file as it is encoded (a lazy weight is then dropped again).
    const write = (part: Uint8Array) => {
      for (let done = 0; done < part.length; ) done += writeSync(fd, part, done, part.length - done);
    };
    encoded = encodeModelWithExternalData(model, { location, write }).model;
  } finally {
    closeSync(fd);
  }
  writeFileSync(path, encoded);
  return location;
}

/** The bytes of a model's initializers, from their types and dims (lazy tensors are not read). */
export function initializerBytes(model: OnnxModel): number {
  return model.graph.initializers.reduce((n, t) => n + storageBytes(t.dataType, elementCount(t.dims)), 0);
}

function emptyGraph(): Graph {
  return { name: '', nodes: [], inputs: [], outputs: [], initializers: [], valueInfo: [] };
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
