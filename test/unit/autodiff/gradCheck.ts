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

async function session(model: OnnxModel): Promise<OrtSession> {
  return ort().InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'disabled' });
}

/** Builds the case graph with a scalar `loss` output; returns it and the concrete input values. */
async function buildCase(c: OpCase, dtype: FloatType, seed: number) {
  const random = rng(seed);
  const values = c.inputs.map(
    (i) => i.values ?? Array.from({ length: count(i.dims) }, () => (i.range ? i.range[0] + (i.range[1] - i.range[0]) * random() : 2 * random() - 1)),
  );
  const make = () => {
    const b = new GraphBuilder(`case_${c.label}`);
    const names = c.inputs.map((i) => b.input(i.name, i.dataType ?? dtype, i.dims));
    return { b, y: c.build(b, names) };
  };
  // First run the bare op to learn the output shape, then weight it.
  const probe = make();
  probe.b.output(probe.y, dtype);
  const feeds = Object.fromEntries(c.inputs.map((i, k) => [i.name, makeTensor(i.dataType ?? dtype, values[k]!, i.dims)]));
  const yDims = [...((await (await session(probe.b.build({ opset: c.opset }))).run(feeds))[probe.y]!.dims)];
  const { b, y } = make();
  const weights = Array.from({ length: count(yDims) }, () => 2 * random() - 1);
  const w = b.initializer({ name: 'loss_weights', dataType: dtype, dims: yDims, data: dtype === 'float32' ? Float32Array.from(weights) : Float64Array.from(weights) });
  const loss = b.op('ReduceSum', [b.op('Mul', [y, w])], { keepdims: 0 }, { output: 'loss' });
  b.output(y, dtype);
  b.output(loss, dtype, []);
  return { model: b.build({ opset: c.opset }), values };
}

/** Checks d loss / d input for every wrt input of the case against central differences. */
export async function checkGradients(c: OpCase, seed = 1): Promise<void> {
  const dtype = c.dtype ?? 'float64';
  const { model, values } = await buildCase(c, dtype, seed);
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
