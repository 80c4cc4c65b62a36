// A one-node ONNX model (y = Identity(x), float32 [2]) encoded by hand, so the provider and
// session tests need no exporter: the bytes follow onnx.proto's field numbers directly.

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number) => [...key(field, 0), ...varint(n)];
const bytes = (field: number, b: number[]) => [...key(field, 2), ...varint(b.length), ...b];
const text = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);

export function identityModelBytes(): Uint8Array {
  // TypeProto.tensor_type { elem_type: FLOAT, shape { dim { dim_value: 2 } } }
  const tensorType = bytes(1, [...int(1, 1), ...bytes(2, bytes(1, int(1, 2)))]);
  const valueInfo = (name: string) => [...text(1, name), ...bytes(2, tensorType)];
  const node = [...text(1, 'x'), ...text(2, 'y'), ...text(4, 'Identity')];
  const graph = [...bytes(1, node), ...text(2, 'identity'), ...bytes(11, valueInfo('x')), ...bytes(12, valueInfo('y'))];
  // ModelProto { ir_version: 8, graph, opset_import { version: 13 } }
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, int(2, 13))]);
}
