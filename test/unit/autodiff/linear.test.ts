// Finite-difference checks of MatMul (every rank combination numpy allows) and Gemm.
import { test } from 'node:test';
import { checkGradients } from './gradCheck';

const MATMUL_SHAPES: [number[], number[]][] = [
  [[3, 4], [4, 2]],
  [[2, 3, 4], [4, 2]],
  [[2, 3, 4], [2, 4, 5]],
  [[2, 1, 3, 4], [3, 4, 2]],
  [[1, 3, 4], [2, 4, 2]],
  [[4], [4, 3]],
  [[4], [2, 4, 3]],
  [[2, 3, 4], [4]],
  [[4], [4]],
];

test('MatMul: gradients match finite differences for every rank combination', async () => {
  for (const [sa, sb] of MATMUL_SHAPES) {
    await checkGradients({
      label: `MatMul ${JSON.stringify(sa)}@${JSON.stringify(sb)}`,
      inputs: [
        { name: 'a', dims: sa },
        { name: 'b', dims: sb },
      ],
      build: (b, [x, y]) => b.op('MatMul', [x!, y!]),
      maxCoords: 12,
    });
  }
});

test('MatMul with unknown ranks falls back to Einsum transposes', async () => {
  for (const [sa, sb] of MATMUL_SHAPES.slice(0, 5)) {
    await checkGradients({
      label: `MatMul dynamic ${JSON.stringify(sa)}@${JSON.stringify(sb)}`,
      dynamic: true,
      inputs: [
        { name: 'a', dims: sa },
        { name: 'b', dims: sb },
      ],
      build: (b, [x, y]) => b.op('MatMul', [x!, y!]),
      maxCoords: 8,
    });
  }
});

test('Gemm: all transpose combinations, alpha/beta, broadcast bias', async () => {
  for (const transA of [0, 1]) {
    for (const transB of [0, 1]) {
      for (const c of [[2, 3], [3], []]) {
        await checkGradients({
          label: `Gemm tA=${transA} tB=${transB} c=${JSON.stringify(c)}`,
          inputs: [
            { name: 'a', dims: transA ? [4, 2] : [2, 4] },
            { name: 'b', dims: transB ? [3, 4] : [4, 3] },
            { name: 'c', dims: c },
          ],
          build: (b, [x, y, z]) => b.op('Gemm', [x!, y!, z!], { transA, transB, alpha: 0.7, beta: 1.3 }),
          maxCoords: 8,
        });
      }
    }
  }
});
