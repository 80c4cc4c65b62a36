// OnnxModel → ONNX protobuf bytes (field numbers from onnx/onnx.proto). Tensor data is written as
// raw little-endian bytes viewed in place; optionally large tensors go to an external data file.
import type { AttributeValue, Graph, OnnxModel, OnnxNode, TensorData, ValueInfo } from './ir';
import { ProtobufError, ProtoWriter } from './protobuf';
import { dataTypeCode, elementCount, storageLength } from './tensorTypes';

const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8 } as const;

/** Where initializers at least `threshold` bytes long go instead of the protobuf (needed past 2 GB). */
export interface ExternalDataOptions {
  /** File name relative to the model file, e.g. `model.onnx_data` (the transformers.js name). */
  location: string;
  /** Default 1024 bytes. */
  threshold?: number;
  /**
   * Receives the data file's bytes in order as each tensor is encoded, so nothing is kept: a
   * model whose tensors are computed when read (lazy weights) is never in memory all at once.
   * Without it the parts are collected and returned.
   */
  write?: (part: Uint8Array) => void;
}

/** The data file's contents, as parts to write in order (tensor data viewed in place). */
export interface ExternalData {
  parts: Uint8Array[];
  length: number;
}

interface ExternalSink extends ExternalData {
  location: string;
  threshold: number;
  write?: (part: Uint8Array) => void;
}

/** Alignment of each tensor in the data file (lets runtimes map it). */
const EXTERNAL_ALIGNMENT = 64;

export function encodeModel(model: OnnxModel): Uint8Array {
  return encode(model, undefined);
}

/** Encodes with large initializers moved to an external data file (write its parts beside the model). */
export function encodeModelWithExternalData(model: OnnxModel, options: ExternalDataOptions): { model: Uint8Array; data: ExternalData } {
  const sink: ExternalSink = { location: options.location, threshold: options.threshold ?? 1024, parts: [], length: 0, write: options.write };
  const bytes = encode(model, sink);
  return { model: bytes, data: { parts: sink.parts, length: sink.length } };
}

function encode(model: OnnxModel, external: ExternalSink | undefined): Uint8Array {
  const w = new ProtoWriter();
  w.int64Field(1, model.irVersion);
  if (model.producerName) w.stringField(2, model.producerName);
  if (model.producerVersion) w.stringField(3, model.producerVersion);
  w.messageField(7, (g) => encodeGraph(g, model.graph, external));
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

function encodeGraph(w: ProtoWriter, graph: Graph, external?: ExternalSink): void {
  for (const node of graph.nodes) w.messageField(1, (n) => encodeNode(n, node));
  if (graph.name) w.stringField(2, graph.name);
  for (const tensor of graph.initializers) w.messageField(5, (t) => encodeTensor(t, tensor, external));
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

function encodeTensor(w: ProtoWriter, tensor: TensorData, external?: ExternalSink): void {
  for (const dim of tensor.dims) w.int64Field(1, dim);
  w.int64Field(2, dataTypeCode(tensor.dataType));
  if (tensor.name) w.stringField(8, tensor.name);
  const count = storageLength(tensor.dataType, elementCount(tensor.dims));
  // Read once: a lazy tensor computes its data on every read.
  const data = tensor.data;
  if (data.length !== count) {
    throw new ProtobufError(`tensor '${tensor.name}': has ${data.length} values, dims [${tensor.dims}] need ${count}`);
  }
  // Little-endian raw bytes, viewed in place (no copy).
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!external || bytes.length < external.threshold) {
    w.bytesField(9, bytes);
    return;
  }
  const emit = (part: Uint8Array) => (external.write ? external.write(part) : external.parts.push(part));
  const padding = (EXTERNAL_ALIGNMENT - (external.length % EXTERNAL_ALIGNMENT)) % EXTERNAL_ALIGNMENT;
  if (padding) emit(new Uint8Array(padding));
  const offset = external.length + padding;
  emit(bytes);
  external.length = offset + bytes.length;
  for (const [key, value] of [
    ['location', external.location],
    ['offset', String(offset)],
    ['length', String(bytes.length)],
  ]) {
    w.messageField(13, (p) => {
      p.stringField(1, key!);
      p.stringField(2, value!);
    });
  }
  w.int64Field(14, 1); // data_location = EXTERNAL
}
