// Reading node attributes and constant inputs. Opset 13 keeps axes/splits in attributes, opset 18
// moves them to inputs; rules read both through these helpers.
import type { OnnxNode, TensorData } from '../onnx/ir';
import { AutodiffError, describeNode } from './errors';

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (!a) return fallback;
  if (a.type !== 'int') throw new AutodiffError(`${describeNode(node)}: attribute ${name} is not an int`);
  return a.value;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (!a) return fallback;
  if (a.type !== 'float') throw new AutodiffError(`${describeNode(node)}: attribute ${name} is not a float`);
  return a.value;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes[name];
  if (!a) return undefined;
  if (a.type !== 'ints') throw new AutodiffError(`${describeNode(node)}: attribute ${name} is not a list of ints`);
  return a.value;
}

/** Numbers of a tensor (int64 as numbers: shapes and axes fit easily). */
export function tensorNumbers(t: TensorData): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** The tensor a Constant node holds, in any of its attribute forms. */
export function constantNodeTensor(node: OnnxNode): TensorData | undefined {
  const name = node.outputs[0] ?? '';
  const a = node.attributes;
  if (a['value']?.type === 'tensor') return a['value'].value;
  if (a['value_int']?.type === 'int') return { name, dataType: 'int64', dims: [], data: BigInt64Array.of(BigInt(a['value_int'].value)) };
  if (a['value_ints']?.type === 'ints') {
    const v = a['value_ints'].value;
    return { name, dataType: 'int64', dims: [v.length], data: BigInt64Array.from(v, (x) => BigInt(x)) };
  }
  if (a['value_float']?.type === 'float') return { name, dataType: 'float32', dims: [], data: Float32Array.of(a['value_float'].value) };
  if (a['value_floats']?.type === 'floats') {
    const v = a['value_floats'].value;
    return { name, dataType: 'float32', dims: [v.length], data: Float32Array.from(v) };
  }
  return undefined;
}
