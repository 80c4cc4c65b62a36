// Finite-difference checking of gradient graphs: builds a small graph around one op with the
// GraphBuilder, appends loss = Σ y·W (W random, so every output element matters differently),
// runs the gradient graph in ONNX Runtime and compares with central differences of the loss.
import assert from 'node:assert/strict';
import { buildGradientGraph } from '../../../src/engine/autodiff/gradientGraph';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { encodeModel } from '../../../src/engine/onnx/codec';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import { ort, type OrtSession, type OrtTensor } from '../../../src/engine/runtime/ort';

export type FloatType = 'float32' | 'float64';

export interface CaseInput {
  name: string;
  dims: number[];
  /** Values for non-float inputs (indices) or fixed float values; default random in `range`. */
  values?: number[];
  dataType?: FloatType | 'int64' | 'bool';
  range?: [number, number];
  /** Differentiate w.r.t. this input (default: float inputs). */
  wrt?: boolean;
}

export interface OpCase {
  label: string;
  inputs: CaseInput[];
  /** Adds the op(s) under test; returns the output to differentiate. */
  build: (b: GraphBuilder, inputs: string[]) => string;
  dtype?: FloatType;
  opset?: number;
  /** Declare the inputs without shapes, so the autodiff must work from run-time shapes. */
  dynamic?: boolean;
  /** Coordinates checked per input (all when the input is smaller). */
  maxCoords?: number;
}

/** A small deterministic generator (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function makeTensor(type: CaseInput['dataType'], values: number[], dims: number[]): OrtTensor {
  const { Tensor } = ort();
  if (type === 'int64') return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
  if (type === 'bool') return new Tensor('bool', Uint8Array.from(values), dims);
  if (type === 'float32') return new Tensor('float32', Float32Array.from(values), dims);
  return new Tensor('float64', Float64Array.from(values), dims);
}

// One thread: these graphs are tiny, and thread-pool start-up dominates session creation.
async function session(model: OnnxModel): Promise<OrtSession> {
  return ort().InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 });
}

/** Builds the case graph with a scalar `loss` output; returns it and the concrete input values. */
function buildCase(c: OpCase, dtype: FloatType, seed: number) {
  const random = rng(seed);
  const values = c.inputs.map(
    (i) => i.values ?? Array.from({ length: count(i.dims) }, () => (i.range ? i.range[0] + (i.range[1] - i.range[0]) * random() : 2 * random() - 1)),
  );
  const b = new GraphBuilder(`case_${c.label}`);
  const names = c.inputs.map((i) => b.input(i.name, i.dataType ?? dtype, c.dynamic ? undefined : i.dims));
  const y = c.build(b, names);
  // Weights W = sin(1.7 k + 0.3) over y's elements, made in the graph from y's run-time shape
  // (a path the autodiff must prune), so loss = Σ y·W weighs every element differently.
  const k = b.op('Range', [b.constInt64([0], []), b.op('Size', [y]), b.constInt64([1], [])]);
  const scaled = b.op('Add', [b.op('Mul', [b.op('Cast', [k], { to: dtype === 'float32' ? 1 : 11 }), floatScalar(b, dtype, 'loss_w_scale', 1.7)]), floatScalar(b, dtype, 'loss_w_shift', 0.3)]);
  const w = b.op('Reshape', [b.op('Sin', [scaled]), b.op('Shape', [y])]);
  const loss = b.op('ReduceSum', [b.op('Mul', [y, w])], { keepdims: 0 }, { output: 'loss' });
  b.output(y, dtype);
  b.output(loss, dtype, []);
  return { model: b.build({ opset: c.opset }), values };
}

function floatScalar(b: GraphBuilder, dtype: FloatType, name: string, v: number): string {
  return b.initializer({ name, dataType: dtype, dims: [], data: dtype === 'float32' ? Float32Array.of(v) : Float64Array.of(v) });
}

/** Checks d loss / d input for every wrt input of the case against central differences. */
export async function checkGradients(c: OpCase, seed = 1): Promise<void> {
  const dtype = c.dtype ?? 'float64';
  const { model, values } = buildCase(c, dtype, seed);
  const wrt = c.inputs.filter((i) => i.wrt ?? (i.dataType ?? dtype) === dtype).map((i) => i.name);
  const gradModel = buildGradientGraph(model, { wrt, loss: 'loss' });
  const forward = await session(model);
  const backward = await session(gradModel);
  const feeds = (vals: number[][]) => Object.fromEntries(c.inputs.map((i, k) => [i.name, makeTensor(i.dataType ?? dtype, vals[k]!, i.dims)]));
  const out = await backward.run(feeds(values));
  const lossAt = async (vals: number[][]) => Number((await forward.run(feeds(vals)))['loss']!.data[0]);
  const h = dtype === 'float64' ? 1e-6 : 1e-2;
  const [atol, rtol] = dtype === 'float64' ? [1e-7, 1e-5] : [5e-3, 2e-2];
  const pick = rng(seed + 7);
  for (const name of wrt) {
    const k = c.inputs.findIndex((i) => i.name === name);
    const grad = out[`${name}_grad`]!;
    assert.deepEqual([...grad.dims], c.inputs[k]!.dims, `${c.label}: shape of ${name}_grad`);
    const n = values[k]!.length;
    const coords = n <= (c.maxCoords ?? 24) ? [...Array(n).keys()] : Array.from({ length: c.maxCoords ?? 24 }, () => Math.floor(pick() * n));
    for (const j of coords) {
      const plus = values.map((v) => [...v]);
      const minus = values.map((v) => [...v]);
      plus[k]![j]! += h;
      minus[k]![j]! -= h;
      const fd = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
      const analytic = Number(grad.data[j]);
      assert.ok(
        Math.abs(analytic - fd) <= atol + rtol * Math.abs(fd),
        `${c.label}: d loss/d ${name}[${j}] = ${analytic}, finite differences say ${fd}`,
      );
    }
  }
}
