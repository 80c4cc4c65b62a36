// Whole-model gradient checks on exported models: convert the graph to float64 (so central
// differences are exact to ~1e-9), append loss = Σ log_softmax(logits)·c, and compare the
// gradient graph's d loss/d initializer with finite differences on chosen coordinates.
import assert from 'node:assert/strict';
import { buildGradientGraph } from '../../../src/engine/autodiff/gradientGraph';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { encodeModel } from '../../../src/engine/onnx/codec';
import type { AttributeValue, OnnxModel, TensorData } from '../../../src/engine/onnx/ir';
import { ort, type OrtTensor } from '../../../src/engine/runtime/ort';
import { rng } from './gradCheck';

function tensor64(t: TensorData): TensorData {
  return t.dataType === 'float32' ? { ...t, dataType: 'float64', data: Float64Array.from(t.data as Float32Array) } : t;
}

function attribute64(a: AttributeValue): AttributeValue {
  return a.type === 'tensor' ? { type: 'tensor', value: tensor64(a.value) } : a;
}

/** The same model computing in float64: initializers, constants, I/O types and casts to float. */
export function toFloat64(model: OnnxModel): OnnxModel {
  const g = model.graph;
  const io = <T extends { dataType: string }>(v: T): T => (v.dataType === 'float32' ? { ...v, dataType: 'float64' } : v);
  return {
    ...model,
    graph: {
      ...g,
      inputs: g.inputs.map(io),
      outputs: g.outputs.map(io),
      valueInfo: g.valueInfo.map(io),
      initializers: g.initializers.map(tensor64),
      nodes: g.nodes.map((n) => {
        const attributes = Object.fromEntries(Object.entries(n.attributes).map(([k, a]) => [k, attribute64(a)]));
        if (n.opType === 'Cast' && attributes['to']?.type === 'int' && attributes['to'].value === 1) attributes['to'] = { type: 'int', value: 11 };
        return { ...n, attributes };
      }),
    },
  };
}

/** Appends `loss` = Σ log_softmax(logits) · c with c ∈ [-1, 1] per vocabulary entry. */
export function withLogitsLoss(model: OnnxModel, vocab: number, seed = 3): OnnxModel {
  const copy: OnnxModel = structuredClone(model);
  const b = new GraphBuilder(copy.graph);
  const random = rng(seed);
  const dtype = copy.graph.outputs.find((o) => o.name === 'logits')!.dataType as 'float32' | 'float64';
  const values = Array.from({ length: vocab }, () => 2 * random() - 1);
  const c = b.initializer({ name: 'loss_weights', dataType: dtype, dims: [vocab], data: dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values) });
  const logProbs = b.op('LogSoftmax', ['logits'], { axis: -1 });
  b.output(b.op('ReduceSum', [b.op('Mul', [logProbs, c])], { keepdims: 0 }, { output: 'loss' }), dtype, []);
  return copy;
}

/** Moves initializers to graph inputs so finite differences can perturb them. */
function asInputs(model: OnnxModel, names: string[]): OnnxModel {
  const g = model.graph;
  const moved = g.initializers.filter((t) => names.includes(t.name));
  return {
    ...model,
    graph: {
      ...g,
      initializers: g.initializers.filter((t) => !names.includes(t.name)),
      inputs: [...g.inputs, ...moved.map((t) => ({ name: t.name, dataType: t.dataType, shape: t.dims }))],
    },
  };
}

// Basic optimizations only: ORT's fusions (e.g. QuickGelu) lack double kernels.
const SESSION_OPTIONS = { graphOptimizationLevel: 'basic' as const, intraOpNumThreads: 1, interOpNumThreads: 1 };

/** Checks d loss / d `wrt` (an initializer of a model with a `loss` output) at `coords`. */
export async function checkModelGradient(model: OnnxModel, feeds: Record<string, OrtTensor>, wrt: string, coords: number[]): Promise<void> {
  const { InferenceSession, Tensor } = ort();
  const gradModel = buildGradientGraph(model, { wrt: [wrt], loss: 'loss' });
  const grads = await (await InferenceSession.create(encodeModel(gradModel), SESSION_OPTIONS)).run(feeds);
  const forward = await InferenceSession.create(encodeModel(asInputs(model, [wrt])), SESSION_OPTIONS);
  const init = model.graph.initializers.find((t) => t.name === wrt)!;
  const f64 = init.dataType === 'float64';
  const lossWith = async (j: number, delta: number) => {
    const values = f64 ? Float64Array.from(init.data as Float64Array) : Float32Array.from(init.data as Float32Array);
    values[j]! += delta;
    const value = f64 ? new Tensor('float64', values as Float64Array, init.dims) : new Tensor('float32', values as Float32Array, init.dims);
    return Number((await forward.run({ ...feeds, [wrt]: value }))['loss']!.data[0]);
  };
  const grad = grads[`${wrt}_grad`]!;
  assert.deepEqual([...grad.dims], init.dims);
  // float32 (for graphs with ops ORT runs only in float32): a wider step, looser tolerance.
  const [h, atol, rtol] = f64 ? [1e-6, 1e-6, 1e-5] : [1e-2, 5e-3, 3e-2];
  for (const j of coords) {
    const fd = ((await lossWith(j, h)) - (await lossWith(j, -h))) / (2 * h);
    const analytic = Number(grad.data[j]);
    assert.ok(Math.abs(analytic - fd) <= atol + rtol * Math.abs(fd), `d loss/d ${wrt}[${j}] = ${analytic}, finite differences say ${fd}`);
  }
}

/** input_ids/attention_mask/position_ids for one sequence, plus empty past_key_values. */
export function decoderFeeds(model: OnnxModel, ids: number[]): Record<string, OrtTensor> {
  const { Tensor } = ort();
  const n = ids.length;
  const feeds: Record<string, OrtTensor> = {};
  for (const input of model.graph.inputs) {
    if (input.name === 'input_ids') feeds[input.name] = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]);
    else if (input.name === 'attention_mask') feeds[input.name] = new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    else if (input.name === 'position_ids') feeds[input.name] = new Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(i)), [1, n]);
    else if (input.name === 'token_type_ids') feeds[input.name] = new Tensor('int64', new BigInt64Array(n), [1, n]);
    else if (input.name.startsWith('past_key_values')) {
      const dims = input.shape!.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 0));
      feeds[input.name] = input.dataType === 'float64' ? new Tensor('float64', new Float64Array(0), dims) : new Tensor('float32', new Float32Array(0), dims);
    }
  }
  return feeds;
}
