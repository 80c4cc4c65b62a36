// In-memory ONNX model: what the protobuf codec reads and writes, and what the exporter,
// graph surgery and autodiff build. Plain data so graphs can be inspected and copied freely.

export type DataType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int4'
  | 'uint4'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

export type TensorValues = Float32Array | Float64Array | Uint16Array | Int16Array | Int8Array | Uint8Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/**
 * An initializer or constant. float16 and bfloat16 data is kept as raw Uint16 bits; bool as
 * Uint8; int4/uint4 as their packed bytes (two values a byte, so data.length = ⌈count / 2⌉).
 */
export interface TensorData {
  name: string;
  dataType: DataType;
  dims: number[];
  data: TensorValues;
}

export type AttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorData }
  | { type: 'graph'; value: Graph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] };

export interface OnnxNode {
  name: string;
  opType: string;
  /** '' (or undefined) is the default ai.onnx domain. */
  domain?: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** Dimension: a number, a symbolic name, or null when unknown. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  dataType: DataType;
  /** undefined = rank unknown. */
  shape?: Dim[];
}

export interface Graph {
  name: string;
  nodes: OnnxNode[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: TensorData[];
  valueInfo: ValueInfo[];
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion?: string;
  graph: Graph;
  metadata: Record<string, string>;
}

/** The default opset of graphs Promptsmith writes (axes are inputs for Reduce*, Split has num_outputs). */
export const DEFAULT_OPSET = 18;
export const DEFAULT_IR_VERSION = 8;

/** The ai.onnx opset version a model imports (0 if none). */
export function onnxOpset(model: OnnxModel): number {
  return model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
}

/**
 * A tensor whose data is read (or computed) every time `data` is read, and not kept: the big
 * weights of an exported model. Encoders read each tensor once and write it out, so a model of
 * any size is never in memory all at once. Read `data` once into a local, never in a loop.
 */
export function lazyTensor(name: string, dataType: DataType, dims: number[], load: () => TensorValues): TensorData {
  return {
    name,
    dataType,
    dims,
    get data() {
      return load();
    },
  };
}
