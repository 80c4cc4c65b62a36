// Copies one row of a KV cache (its first `length` positions) `repeat` times, so several
// continuations can share a prompt that was computed once.
import { ort, type OrtTensor } from './ort';
import type { KvCache } from './forward';

export function sliceRow(cache: KvCache, row: number, length: number, repeat: number): KvCache {
  const tensors = cache.tensors.map((t): OrtTensor => {
    const [, heads, seq, dim] = t.dims as number[];
    const src = t.data as Float32Array | Uint16Array;
    const rowSize = heads! * length * dim!;
    const out = src instanceof Float32Array ? new Float32Array(rowSize * repeat) : new Uint16Array(rowSize * repeat);
    for (let h = 0; h < heads!; h++) {
      const from = ((row * heads! + h) * seq! + 0) * dim!;
      const block = src.subarray(from, from + length * dim!);
      for (let r = 0; r < repeat; r++) out.set(block, r * rowSize + h * length * dim!);
    }
    return new (ort().Tensor)(t.type as 'float32', out, [repeat, heads!, length, dim!]);
  });
  return { tensors, length };
}
