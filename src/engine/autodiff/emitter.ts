// Emits the nodes and constants of the gradient graph under fresh names. Rules use it instead
// of building nodes by hand, so every rule writes ops valid for the model's opset (>= 13).
import type { AttributeValue, DataType, OnnxNode, TensorData } from '../onnx/ir';
import type { ShapeInfo } from './shapeInference';

export type Attrs = Record<string, AttributeValue>;

export const int = (value: number): AttributeValue => ({ type: 'int', value });
export const ints = (value: number[]): AttributeValue => ({ type: 'ints', value });
export const float = (value: number): AttributeValue => ({ type: 'float', value });

const FLOAT_ARRAYS = { float32: Float32Array, float64: Float64Array } as const;

export class GradEmitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: TensorData[] = [];
  private counter = 0;
  /** Name of the forward node whose gradient is being emitted: part of every new name, so an
   * ORT error about a gradient node points at the forward node it came from. */
  scope = '';
  private readonly constCache = new Map<string, string>();
  private readonly shapeCache = new Map<string, string>();

  constructor(
    private readonly usedNames: Set<string>,
    /** The float type of the gradients (that of the wrt tensors). */
    readonly floatType: 'float32' | 'float64',
    readonly opset: number,
    readonly info: ShapeInfo,
  ) {}

  fresh(base: string): string {
    let name: string;
    do name = `grad/${this.scope ? `${this.scope}/` : ''}${base}_${this.counter++}`;
    while (this.usedNames.has(name));
    this.usedNames.add(name);
    return name;
  }

  /** Adds a node and returns its output names. */
  op(opType: string, inputs: string[], attrs: Attrs = {}, outputCount = 1): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(opType));
    this.nodes.push({ name: this.fresh(`${opType}_node`), opType, domain: '', inputs, outputs, attributes: attrs });
    return outputs;
  }

  op1(opType: string, inputs: string[], attrs: Attrs = {}): string {
    return this.op(opType, inputs, attrs)[0]!;
  }

  /** Adds a node whose outputs have the given names (the final `${x}_grad` outputs). */
  opNamed(opType: string, inputs: string[], outputs: string[], attrs: Attrs = {}): void {
    this.nodes.push({ name: this.fresh(`${opType}_node`), opType, domain: '', inputs, outputs, attributes: attrs });
  }

  private constant(dataType: DataType, dims: number[], data: TensorData['data'], cacheKey: string): string {
    const cached = this.constCache.get(cacheKey);
    if (cached) return cached;
    const name = this.fresh('const');
    this.initializers.push({ name, dataType, dims, data });
    this.constCache.set(cacheKey, name);
    return name;
  }

  /** A float constant in the gradient float type (scalar by default). */
  floatConst(values: number | number[], dims?: number[]): string {
    const v = typeof values === 'number' ? [values] : values;
    const d = dims ?? (typeof values === 'number' ? [] : [v.length]);
    return this.constant(this.floatType, d, FLOAT_ARRAYS[this.floatType].from(v), `f:${d}:${v}`);
  }

  /** An int64 constant (1-D by default; pass [] for a scalar). */
  intConst(values: number[], dims?: number[]): string {
    const d = dims ?? [values.length];
    return this.constant('int64', d, BigInt64Array.from(values, (x) => BigInt(x)), `i:${d}:${values}`);
  }

  shapeOf(x: string): string {
    let s = this.shapeCache.get(x);
    if (!s) {
      s = this.op1('Shape', [x]);
      this.shapeCache.set(x, s);
    }
    return s;
  }

  /** Reshape g to the (run-time) shape of x. */
  reshapeLike(g: string, x: string): string {
    return this.op1('Reshape', [g, this.shapeOf(x)]);
  }

  zerosLike(x: string): string {
    return this.op1('ConstantOfShape', [this.shapeOf(x)], { value: { type: 'tensor', value: this.zeroTensor() } });
  }

  private zeroTensor(): TensorData {
    return { name: 'value', dataType: this.floatType, dims: [1], data: new FLOAT_ARRAYS[this.floatType](1) };
  }

  /** Sum of several gradients of the same tensor (fan-out). */
  sum(names: string[]): string {
    return names.length === 1 ? names[0]! : this.op1('Sum', names);
  }

  /** x cast to the type of `like`; before opset 15 (no CastLike) to the gradient float type. */
  castLike(x: string, like: string): string {
    if (this.opset >= 15) return this.op1('CastLike', [x, like]);
    return this.op1('Cast', [x], { to: int(this.floatType === 'float32' ? 1 : 11) });
  }

  neg(x: string): string {
    return this.op1('Neg', [x]);
  }

  mul(a: string, b: string): string {
    return this.op1('Mul', [a, b]);
  }

  reduceSum(x: string, axes: string | number[], keepdims: boolean, noopWhenEmpty = false): string {
    const axesName = typeof axes === 'string' ? axes : this.intConst(axes);
    const attrs: Attrs = { keepdims: int(keepdims ? 1 : 0) };
    if (noopWhenEmpty) attrs['noop_with_empty_axes'] = int(1);
    return this.op1('ReduceSum', [x, axesName], attrs);
  }

  /** ReduceMean in the form the opset wants (axes attribute before 18, input from 18). */
  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    if (this.opset >= 18) return this.op1('ReduceMean', [x, this.intConst(axes)], { keepdims: int(keepdims ? 1 : 0) });
    return this.op1('ReduceMean', [x], { axes: ints(axes), keepdims: int(keepdims ? 1 : 0) });
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.op1('Unsqueeze', [x, this.intConst(axes)]);
  }

  /** Swaps the last two axes; Einsum with an ellipsis when the rank is unknown. */
  transposeLast2(x: string): string {
    const rank = this.info.rank(x);
    if (rank === undefined) return this.op1('Einsum', [x], { equation: { type: 'string', value: '...ij->...ji' } });
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    return this.op1('Transpose', [x], { perm: ints(perm) });
  }
}
