// Finite-difference checks of the fused normalization and activation ops that HF exports
// emit: LayerNormalization, SimplifiedLayerNormalization (RMSNorm), Gelu, Dropout, CastLike.
import { test } from 'node:test';
import { checkGradients } from './gradCheck';

test('LayerNormalization: x, scale and bias, last axis and two trailing axes', async () => {
  for (const axis of [-1, -2, 1]) {
    await checkGradients({
      label: `LayerNormalization axis ${axis}`,
      inputs: [
        { name: 'x', dims: [2, 3, 4] },
        { name: 'scale', dims: axis === -1 ? [4] : [3, 4] },
        { name: 'bias', dims: axis === -1 ? [4] : [3, 4] },
      ],
      build: (b, [x, s, bias]) => b.op('LayerNormalization', [x!, s!, bias!], { axis, epsilon: 1e-3 }),
      maxCoords: 12,
    });
  }
});

test('LayerNormalization at opset 17 (the gradient uses ReduceMean with attribute axes)', async () => {
  await checkGradients({
    label: 'LayerNormalization opset 17',
    opset: 17,
    inputs: [
      { name: 'x', dims: [2, 4] },
      { name: 'scale', dims: [4] },
    ],
    build: (b, [x, s]) => b.op('LayerNormalization', [x!, s!], { axis: -1 }),
  });
});

test('SimplifiedLayerNormalization (RMSNorm, float32 kernel)', async () => {
  await checkGradients({
    label: 'SimplifiedLayerNormalization',
    dtype: 'float32',
    inputs: [
      { name: 'x', dims: [2, 3, 4] },
      { name: 'scale', dims: [4] },
    ],
    build: (b, [x, s]) => b.op('SimplifiedLayerNormalization', [x!, s!], { axis: -1, epsilon: 1e-5 }),
    maxCoords: 12,
  });
});

test('Gelu (opset 20), exact and tanh forms', async () => {
  for (const approximate of ['none', 'tanh']) {
    await checkGradients({
      label: `Gelu ${approximate}`,
      opset: 20,
      dtype: 'float32',
      inputs: [{ name: 'x', dims: [3, 4], range: [-3, 3] }],
      build: (b, [x]) => b.op('Gelu', [x!], { approximate }),
    });
  }
});

test('Dropout at inference and CastLike pass gradients through', async () => {
  await checkGradients({
    label: 'Dropout',
    inputs: [{ name: 'x', dims: [2, 3] }],
    build: (b, [x]) => b.node('Dropout', [x!], {}, { outputs: 2 })[0]!,
  });
  await checkGradients({
    label: 'CastLike',
    dtype: 'float32',
    inputs: [
      { name: 'x', dims: [2, 3] },
      { name: 'like', dims: [1], wrt: false },
    ],
    build: (b, [x, like]) => b.op('CastLike', [b.op('CastLike', [x!, b.op('Cast', [like!], { to: 11 })]), like!]),
  });
});
