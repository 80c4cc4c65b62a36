// A light static shape pass: ranks and, where they follow simply, dims (numbers or symbolic
// names). Rules use it to transpose the last two axes (needs the rank) and to skip undoing a
// broadcast that provably did not happen. Unknown stays unknown; nothing here is required.
import type { Dim, Graph, OnnxNode, TensorData } from '../onnx/ir';
import { attrInt, attrInts, constantNodeTensor, tensorNumbers } from './attributes';

export type Shape = Dim[];

const SAME_AS_FIRST_INPUT = new Set([
  'Neg', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Tanh', 'Sigmoid', 'Erf', 'Relu', 'Identity', 'Cast', 'CastLike',
  'Softmax', 'LogSoftmax', 'Abs', 'Not', 'Cos', 'Sin', 'Gelu', 'LayerNormalization', 'Dropout', 'Clip', 'Floor',
  'Ceil', 'Round', 'Trilu', 'IsNaN', 'IsInf', 'Sign', 'SimplifiedLayerNormalization', 'Softplus', 'LeakyRelu',
  'HardSigmoid', 'Elu', 'Selu', 'Mish', 'Tan', 'Atan', 'Sinh', 'Cosh',
]);
const BROADCASTING = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Where', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And',
  'Or', 'Xor', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'BitShift', 'PRelu',
]);

export class ShapeInfo {
  private readonly shapes = new Map<string, Shape>();
  /** Contents of small int tensors that hold shapes (Shape → Gather → Concat …), as dims. */
  private readonly shapeValues = new Map<string, Dim[]>();
  /** Initializers and Constant-node outputs by name. */
  readonly constants = new Map<string, TensorData>();

  constructor(graph: Graph) {
    for (const t of graph.initializers) {
      this.constants.set(t.name, t);
      this.setConstValue(t);
      this.shapes.set(t.name, [...t.dims]);
    }
    for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo]) {
      if (v.shape && !this.shapes.has(v.name)) this.shapes.set(v.name, [...v.shape]);
    }
    for (const node of graph.nodes) this.inferNode(node);
  }

  shape(name: string): Shape | undefined {
    return this.shapes.get(name);
  }

  rank(name: string): number | undefined {
    return this.shapes.get(name)?.length;
  }

  /** The numbers of a constant input (initializer or Constant node), if it is one. */
  constNumbers(name: string | undefined): number[] | undefined {
    const t = name ? this.constants.get(name) : undefined;
    return t ? tensorNumbers(t) : undefined;
  }

  /** True when both shapes are fully known and equal (no broadcast can have happened). */
  sameKnownShape(a: string, b: string): boolean {
    const sa = this.shapes.get(a);
    const sb = this.shapes.get(b);
    return !!sa && !!sb && sa.length === sb.length && sa.every((d, i) => d !== null && d === sb[i]);
  }

  /** What a shape tensor holds, entry by entry (numbers, symbolic dims or null). */
  shapeValue(name: string | undefined): Dim[] | undefined {
    return name ? this.shapeValues.get(name) : undefined;
  }

  private setConstValue(t: TensorData): void {
    if ((t.dataType === 'int64' || t.dataType === 'int32') && t.dims.length <= 1 && t.data.length <= 16) {
      this.shapeValues.set(t.name, tensorNumbers(t));
    }
  }

  /** Data propagation through the usual shape arithmetic of exported graphs. */
  private propagateValue(node: OnnxNode): Dim[] | undefined {
    const v = (i: number) => this.shapeValue(node.inputs[i]);
    switch (node.opType) {
      case 'Shape': {
        const x = this.shapes.get(node.inputs[0] ?? '');
        if (!x) return undefined;
        const r = x.length;
        const norm = (k: number) => Math.min(Math.max(k < 0 ? k + r : k, 0), r);
        return x.slice(norm(attrInt(node, 'start', 0)), norm(attrInt(node, 'end', r)));
      }
      case 'Gather': {
        const data = v(0);
        const idx = this.constNumbers(node.inputs[1]);
        if (!data || !idx || attrInt(node, 'axis', 0) !== 0) return undefined;
        return idx.map((k) => data[k < 0 ? k + data.length : k] ?? null);
      }
      case 'Unsqueeze':
      case 'Squeeze':
      case 'Cast':
      case 'Identity':
        return v(0);
      case 'Concat': {
        const parts = node.inputs.map((_, i) => v(i));
        return parts.every(Boolean) ? parts.flatMap((p) => p!) : undefined;
      }
      default:
        return undefined;
    }
  }

  private set(name: string | undefined, shape: Shape | undefined): void {
    if (name && shape && !this.shapes.has(name)) this.shapes.set(name, shape);
  }

  private inferNode(node: OnnxNode): void {
    if (node.opType === 'Constant') {
      const t = constantNodeTensor(node);
      if (t) {
        this.constants.set(node.outputs[0]!, { ...t, name: node.outputs[0]! });
        this.setConstValue({ ...t, name: node.outputs[0]! });
        this.set(node.outputs[0], [...t.dims]);
      }
      return;
    }
    if (node.domain && node.domain !== 'ai.onnx') return;
    try {
      const out = this.outputShape(node);
      if (out) this.set(node.outputs[0], out);
      if (node.opType === 'Split') {
        for (let i = 0; i < node.outputs.length; i++) this.set(node.outputs[i], this.splitShape(node, i));
      }
      const value = this.propagateValue(node);
      if (value && node.outputs[0]) this.shapeValues.set(node.outputs[0], value);
    } catch {
      // Odd attributes: leave the shape unknown; the rules fall back to run-time shapes.
    }
  }

  private outputShape(node: OnnxNode): Shape | undefined {
    const s = (i: number) => this.shapes.get(node.inputs[i] ?? '');
    const op = node.opType;
    if (SAME_AS_FIRST_INPUT.has(op)) return s(0);
    if (BROADCASTING.has(op)) return broadcastShapes(node.inputs.filter(Boolean).map((n) => this.shapes.get(n)));
    switch (op) {
      case 'MatMul':
        return matmulShape(s(0), s(1));
      case 'Gemm': {
        const a = s(0);
        const b = s(1);
        if (!a || !b) return [null, null];
        return [attrInt(node, 'transA', 0) ? a[1]! : a[0]!, attrInt(node, 'transB', 0) ? b[0]! : b[1]!];
      }
      case 'Transpose': {
        const x = s(0);
        if (!x) return undefined;
        const perm = attrInts(node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
        return perm.map((p) => x[p] ?? null);
      }
      case 'Reshape':
        return this.reshapeShape(s(0), node.inputs[1]);
      case 'Shape': {
        const r = s(0)?.length;
        if (r === undefined) return [null];
        const norm = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
        return [norm(attrInt(node, 'end', r)) - norm(attrInt(node, 'start', 0))];
      }
      case 'Size':
        return [];
      case 'Range':
      case 'NonZero':
        return op === 'Range' ? [null] : [s(0)?.length ?? null, null];
      case 'ConstantOfShape':
      case 'Expand': {
        const shapeInput = node.inputs[op === 'Expand' ? 1 : 0];
        const values = this.shapeValue(shapeInput);
        const len = values?.length ?? this.shapes.get(shapeInput ?? '')?.[0];
        const target: Shape | undefined = values
          ? [...values]
          : typeof len === 'number'
            ? new Array<Dim>(len).fill(null)
            : undefined;
        if (op === 'ConstantOfShape') return target;
        // Expand broadcasts; a target dim of 1 keeps the input dim.
        return target ? broadcastShapes([s(0), target.map((d) => (d === 1 ? null : d))]) : undefined;
      }
      case 'Unsqueeze':
      case 'Squeeze':
        return this.squeezeShape(node, s(0));
      case 'Concat': {
        const ins = node.inputs.map((n) => this.shapes.get(n));
        const first = ins.find(Boolean);
        if (!first) return undefined;
        const axis = normAxis(attrInt(node, 'axis', 0), first.length);
        const total = ins.every((x) => typeof x?.[axis] === 'number') ? ins.reduce((t, x) => t + (x![axis] as number), 0) : null;
        return first.map((d, i) => (i === axis ? total : ins.every((x) => x && x[i] === d) ? d : null));
      }
      case 'Slice':
        return s(0)?.map(() => null);
      case 'Gather': {
        const data = s(0);
        const idx = s(1);
        if (!data || !idx) return undefined;
        const axis = normAxis(attrInt(node, 'axis', 0), data.length);
        return [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)];
      }
      case 'GatherElements':
        return s(1);
      case 'Flatten': {
        const x = s(0);
        return x ? [null, null] : undefined;
      }
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceMin':
      case 'ReduceProd':
      case 'ArgMax':
      case 'ArgMin':
        return this.reduceShape(node, s(0));
      default:
        return undefined;
    }
  }

  private splitShape(node: OnnxNode, index: number): Shape | undefined {
    const x = this.shapes.get(node.inputs[0] ?? '');
    if (!x) return undefined;
    const axis = normAxis(attrInt(node, 'axis', 0), x.length);
    const sizes = attrInts(node, 'split') ?? this.constNumbers(node.inputs[1]);
    const extent = x[axis];
    let size: Dim = sizes?.[index] ?? null;
    if (!sizes && typeof extent === 'number') {
      // Equal parts (the last one smaller when num_outputs does not divide the extent).
      const part = Math.ceil(extent / node.outputs.length);
      size = index < node.outputs.length - 1 ? part : extent - part * (node.outputs.length - 1);
    }
    return x.map((d, i) => (i === axis ? size : d));
  }

  private reshapeShape(x: Shape | undefined, shapeInput: string | undefined): Shape | undefined {
    const target = this.shapeValue(shapeInput);
    if (!target) {
      const len = this.shapes.get(shapeInput ?? '')?.[0];
      return typeof len === 'number' ? new Array<Dim>(len).fill(null) : undefined;
    }
    const out = target.map((v, i) => (v === 0 ? (x?.[i] ?? null) : v === -1 ? null : v));
    const minus = target.indexOf(-1);
    if (minus >= 0 && x) out[minus] = inferredDim(x, out.filter((_, i) => i !== minus));
    return out;
  }

  private squeezeShape(node: OnnxNode, x: Shape | undefined): Shape | undefined {
    const axes = attrInts(node, 'axes') ?? this.constNumbers(node.inputs[1]);
    if (!x || !axes) return undefined;
    if (node.opType === 'Squeeze') {
      const drop = new Set(axes.map((a) => normAxis(a, x.length)));
      return x.filter((_, i) => !drop.has(i));
    }
    const rank = x.length + axes.length;
    const add = new Set(axes.map((a) => normAxis(a, rank)));
    const out: Shape = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(add.has(i) ? 1 : (x[j++] ?? null));
    return out;
  }

  private reduceShape(node: OnnxNode, x: Shape | undefined): Shape | undefined {
    if (!x) return undefined;
    const keep = attrInt(node, 'keepdims', 1) === 1;
    const isArg = node.opType.startsWith('Arg');
    const axes = isArg ? [attrInt(node, 'axis', 0)] : (attrInts(node, 'axes') ?? this.constNumbers(node.inputs[1]));
    if (node.inputs[1] && !axes) return keep ? x.map(() => null) : undefined;
    const all = !axes || axes.length === 0;
    if (all && attrInt(node, 'noop_with_empty_axes', 0) === 1) return x;
    const reduced = new Set(all ? x.map((_, i) => i) : axes.map((a) => normAxis(a, x.length)));
    return keep ? x.map((d, i) => (reduced.has(i) ? 1 : d)) : x.filter((_, i) => !reduced.has(i));
  }
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Numpy broadcasting of known shapes; dims that cannot be decided become null. */
export function broadcastShapes(shapes: (Shape | undefined)[]): Shape | undefined {
  if (shapes.length === 0 || shapes.some((x) => !x)) return undefined;
  const rank = Math.max(...shapes.map((x) => x!.length));
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const dims = shapes.map((x) => x![x!.length - rank + i]);
    // An unknown dim is either 1 or equal to the others, so a known dim other than 1 wins.
    const known = dims.filter((d) => d !== undefined && d !== null && d !== 1);
    const first = known[0];
    if (first !== undefined) out.push(known.every((d) => d === first) ? first : null);
    else out.push(dims.some((d) => d === null) ? null : 1);
  }
  return out;
}

/** The dim a Reshape's -1 stands for: |input| / |other target dims|, cancelling symbols. */
function inferredDim(input: Shape, others: Shape): Dim {
  if ([...input, ...others].some((d) => d === null)) return null;
  const symbols = input.filter((d): d is string => typeof d === 'string');
  let ratio = input.reduce<number>((a, d) => (typeof d === 'number' ? a * d : a), 1);
  for (const d of others) {
    if (typeof d === 'number') ratio /= d;
    else {
      const k = symbols.indexOf(d as string);
      if (k < 0) return null;
      symbols.splice(k, 1);
    }
  }
  if (symbols.length === 0) return Number.isInteger(ratio) ? ratio : null;
  return symbols.length === 1 && ratio === 1 ? symbols[0]! : null;
}

function matmulShape(a: Shape | undefined, b: Shape | undefined): Shape | undefined {
  if (!a || !b) return undefined;
  if (a.length === 1 && b.length === 1) return [];
  if (a.length === 1) return [...b.slice(0, -2), b[b.length - 1]!];
  if (b.length === 1) return a.slice(0, -1);
  const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)]) ?? [];
  return [...batch, a[a.length - 2]!, b[b.length - 1]!];
}
