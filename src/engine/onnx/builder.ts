// GraphBuilder: appends nodes, inputs, outputs and constant initializers to an ONNX graph with
// unique value names. Used by the exporters, graph surgery and the autodiff.
import {
  type AttributeValue,
  type DataType,
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET,
  type Dim,
  type Graph,
  type OnnxModel,
  type OnnxNode,
  type TensorData,
  type ValueInfo,
} from './ir';
import { toInt64 } from './protobuf';

/** INT64_MAX as a JS number (2^63): e.g. Slice `ends` meaning "to the end". Encodes exactly. */
export const INT64_MAX_NUMBER = 2 ** 63;

/**
 * An attribute as written at a call site: a full AttributeValue, or a bare value whose type is
 * inferred — an integer number is an INT (write `{ type: 'float', value: 1 }` for a float 1.0),
 * a non-integer number a FLOAT, number[] INTS (FLOATS if any element is fractional), string[]
 * STRINGS.
 */
export type AttributeInput = AttributeValue | number | string | number[] | string[];

export interface NodeOptions {
  /** A number of outputs (named automatically) or the exact output names. Default 1. */
  outputs?: number | string[];
  /** Node name (made unique). Default: the op type. */
  name?: string;
  domain?: string;
}

export function toAttribute(value: AttributeInput): AttributeValue {
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'int', value } : { type: 'float', value };
  if (typeof value === 'string') return { type: 'string', value };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return { type: 'strings', value: value as string[] };
    const nums = value as number[];
    return nums.every((v) => Number.isInteger(v)) ? { type: 'ints', value: nums } : { type: 'floats', value: nums };
  }
  return value;
}

export class GraphBuilder {
  readonly graph: Graph;
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();

  /** Starts an empty graph, or continues an existing one (its names are reserved). */
  constructor(graphOrName: Graph | string = 'main') {
    this.graph =
      typeof graphOrName === 'string'
        ? { name: graphOrName, nodes: [], inputs: [], outputs: [], initializers: [], valueInfo: [] }
        : graphOrName;
    for (const v of [...this.graph.inputs, ...this.graph.outputs, ...this.graph.initializers, ...this.graph.valueInfo]) this.used.add(v.name);
    for (const n of this.graph.nodes) {
      if (n.name) this.used.add(n.name);
      for (const o of n.outputs) this.used.add(o);
    }
  }

  /** `base` if unused, else `base_1`, `base_2`, …; the name is reserved. */
  uniqueName(base: string): string {
    let name = base;
    if (this.used.has(name)) {
      let k = this.counters.get(base) ?? 0;
      do name = `${base}_${++k}`;
      while (this.used.has(name));
      this.counters.set(base, k);
    }
    this.used.add(name);
    return name;
  }

  /** Marks an exact name as taken; throws if it already is (names of graph I/O must not change). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`graph value name '${name}' is already used`);
    this.used.add(name);
    return name;
  }

  input(name: string, dataType: DataType, shape?: Dim[]): string {
    this.graph.inputs.push({ name: this.reserve(name), dataType, shape });
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(name: string, dataType: DataType, shape?: Dim[]): string {
    this.graph.outputs.push({ name, dataType, shape });
    return name;
  }

  /** Records the type/shape of an intermediate value (optional, helps tools). */
  valueInfo(info: ValueInfo): void {
    this.graph.valueInfo.push(info);
  }

  /** Appends a node and returns its output names. */
  node(opType: string, inputs: string[], attrs: Record<string, AttributeInput> = {}, options: NodeOptions = {}): string[] {
    const name = this.uniqueName(options.name ?? opType);
    const spec = options.outputs ?? 1;
    const outputs = typeof spec === 'number' ? Array.from({ length: spec }, (_, i) => this.uniqueName(spec === 1 ? `${name}_out` : `${name}_out${i}`)) : spec.map((o) => this.reserve(o));
    const attributes: Record<string, AttributeValue> = {};
    for (const [key, value] of Object.entries(attrs)) attributes[key] = toAttribute(value);
    const node: OnnxNode = { name, opType, inputs, outputs, attributes };
    if (options.domain) node.domain = options.domain;
    this.graph.nodes.push(node);
    return outputs;
  }

  /** A single-output node; returns its output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttributeInput> = {}, options: Omit<NodeOptions, 'outputs'> & { output?: string } = {}): string {
    return this.node(opType, inputs, attrs, { ...options, outputs: options.output ? [options.output] : 1 })[0]!;
  }

  /** Adds an initializer under its own name (which must be free) and returns the name. */
  initializer(tensor: TensorData): string {
    this.reserve(tensor.name);
    return this.pushInitializer(tensor);
  }

  private pushInitializer(tensor: TensorData): string {
    this.graph.initializers.push(tensor);
    return tensor.name;
  }

  /** An int64 constant initializer; dims default to [values.length] (pass [] for a scalar). */
  constInt64(values: ArrayLike<number | bigint>, dims?: number[], name = 'const_i64'): string {
    // Numbers saturate, so 2 ** 63 (how INT64_MAX reads as a number) stays INT64_MAX.
    const data = BigInt64Array.from(Array.from(values, (v) => (typeof v === 'bigint' ? v : toInt64(v))));
    return this.pushInitializer({ name: this.uniqueName(name), dataType: 'int64', dims: dims ?? [data.length], data });
  }

  /** A float32 constant initializer; dims default to [values.length] (pass [] for a scalar). */
  constFloat(values: ArrayLike<number>, dims?: number[], name = 'const_f32'): string {
    const data = Float32Array.from(values);
    return this.pushInitializer({ name: this.uniqueName(name), dataType: 'float32', dims: dims ?? [data.length], data });
  }

  build(options: { producerName?: string; metadata?: Record<string, string>; opset?: number } = {}): OnnxModel {
    return {
      irVersion: DEFAULT_IR_VERSION,
      opsetImports: [{ domain: '', version: options.opset ?? DEFAULT_OPSET }],
      producerName: options.producerName ?? 'promptsmith',
      graph: this.graph,
      metadata: options.metadata ?? {},
    };
  }
}
