// A float16/bfloat16 graph as a float32 one: initializers widened (lazily, when written out),
// casts to half types retargeted to float32, half-typed inputs, outputs and constants made
// float32. The autodiff differentiates in one float type, and ONNX Runtime's CPU provider has
// no bfloat16 kernels, so half-precision models are differentiated (and bf16 compute graphs run
// on CPU) in float32: the same numbers as the fp32 model the variant was made from, up to the
// rounding already in its weights.
import { type AttributeValue, lazyTensor, type OnnxModel, type OnnxNode, type TensorData, type ValueInfo } from './ir';
import { floatValues } from './tensorTypes';

const HALF = new Set(['float16', 'bfloat16']);
/** TensorProto codes of float16 and bfloat16 (Cast targets to retarget). */
const HALF_CODES = new Set([10, 16]);

export function hasHalfFloats(model: OnnxModel): boolean {
  const g = model.graph;
  return [...g.initializers, ...g.inputs, ...g.outputs].some((t) => HALF.has(t.dataType)) || g.nodes.some((n) => n.opType === 'Cast' && HALF_CODES.has(Number(n.attributes['to']?.value)));
}

export function widenFloats(model: OnnxModel): OnnxModel {
  const widen = (t: TensorData): TensorData => (HALF.has(t.dataType) ? lazyTensor(t.name, 'float32', t.dims, () => floatValues(t)) : t);
  const retype = (v: ValueInfo): ValueInfo => (HALF.has(v.dataType) ? { ...v, dataType: 'float32' } : v);
  const nodes = model.graph.nodes.map((n): OnnxNode => {
    const attributes: Record<string, AttributeValue> = {};
    for (const [key, a] of Object.entries(n.attributes)) {
      if (n.opType === 'Cast' && key === 'to' && a.type === 'int' && HALF_CODES.has(a.value)) attributes[key] = { type: 'int', value: 1 };
      else if (a.type === 'tensor' && HALF.has(a.value.dataType)) attributes[key] = { type: 'tensor', value: { ...a.value, dataType: 'float32', data: floatValues(a.value) } };
      else attributes[key] = a;
    }
    return { ...n, attributes };
  });
  const g = model.graph;
  return {
    ...model,
    graph: { ...g, nodes, initializers: g.initializers.map(widen), inputs: g.inputs.map(retype), outputs: g.outputs.map(retype), valueInfo: g.valueInfo.map(retype) },
  };
}
